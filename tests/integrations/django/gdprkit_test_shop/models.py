"""Models of the test shop, mapped to the purposes of examples/register.toml."""

from __future__ import annotations

from django.db import models  # noqa: TID251


class Customer(models.Model):
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=100)
    closed_at = models.DateTimeField(null=True, blank=True)

    class PrivacyMeta:
        purposes = {"account": ["email", "name", "closed_at"]}  # noqa: RUF012
        subject = "email"
        events = {"account_closed": "closed_at"}  # noqa: RUF012


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    delivery_address = models.TextField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    total = models.DecimalField(max_digits=9, decimal_places=2)

    class PrivacyMeta:
        purposes = {"order_fulfilment": ["delivery_address", "delivered_at", "total"]}  # noqa: RUF012
        subject = "customer__email"
        events = {"order_delivered": "delivered_at"}  # noqa: RUF012
        anonymise = {"delivery_address": ""}  # noqa: RUF012


class NewsletterSignup(models.Model):
    email = models.EmailField()
    last_activity = models.DateField()

    class PrivacyMeta:
        purposes = {"direct_marketing": ["email", "last_activity"]}  # noqa: RUF012
        subject = "email"
        events = {"last_activity": "last_activity"}  # noqa: RUF012


class CallbackNote(models.Model):
    """A model nobody mapped: its phone number is covered by no purpose (check W003)."""

    phone = models.CharField(max_length=30)
    note = models.TextField()
