"""The shop's admin."""

from __future__ import annotations

from django.contrib import admin  # noqa: TID251

from .models import Customer, NewsletterSignup, Order

admin.site.register([Customer, Order, NewsletterSignup])
