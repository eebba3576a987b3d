"""The shop's models, each mapped to the purposes of examples/register.toml."""

from __future__ import annotations

from django.db import models  # noqa: TID251


class Customer(models.Model):
    """A customer account (purpose ``account``: deleted 30 days after it is closed)."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=100)
    closed_at = models.DateTimeField(null=True, blank=True)

    class PrivacyMeta:
        purposes = {"account": ["email", "name", "closed_at"]}  # noqa: RUF012
        subject = "email"
        events = {"account_closed": "closed_at"}  # noqa: RUF012

    def __str__(self) -> str:
        return f"customer {self.pk}"


class Order(models.Model):
    """An order (purpose ``order_fulfilment``: three years after delivery)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    delivery_address = models.TextField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    total = models.DecimalField(max_digits=9, decimal_places=2)

    class PrivacyMeta:
        purposes = {"order_fulfilment": ["delivery_address", "delivered_at", "total"]}  # noqa: RUF012
        subject = "customer__email"
        events = {"order_delivered": "delivered_at"}  # noqa: RUF012
        anonymise = {"delivery_address": ""}  # noqa: RUF012

    def __str__(self) -> str:
        return f"order {self.pk}"


class NewsletterSignup(models.Model):
    """A newsletter subscription (consent purpose ``direct_marketing``)."""

    email = models.EmailField()
    signed_up_at = models.DateTimeField()
    last_activity = models.DateTimeField()

    class PrivacyMeta:
        purposes = {"direct_marketing": ["email", "signed_up_at", "last_activity"]}  # noqa: RUF012
        subject = "email"
        events = {"last_activity": "last_activity"}  # noqa: RUF012

    def __str__(self) -> str:
        return f"newsletter signup {self.pk}"
