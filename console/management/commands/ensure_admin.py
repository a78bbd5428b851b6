"""Make sure an admin account exists; print its password once when generated."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the admin account if it is missing (BERTH_ADMIN_PASSWORD)."

    def handle(self, *args: Any, **options: Any) -> None:
        username = os.environ.get("BERTH_ADMIN_USER", "admin")
        password = os.environ.get("BERTH_ADMIN_PASSWORD", "")
        users = get_user_model().objects
        user = users.filter(username=username).first()
        if user is not None:
            if password and not user.check_password(password):
                user.set_password(password)
                user.save(update_fields=["password"])
                self.stdout.write(
                    f"Admin '{username}': password set from BERTH_ADMIN_PASSWORD."
                )
            else:
                self.stdout.write(
                    f"Admin '{username}' exists; log in with the "
                    "password you were given."
                )
            return
        generated = not password
        password = password or secrets.token_urlsafe(12)
        users.create_superuser(username=username, email="", password=password)
        if generated:
            self.stdout.write(
                self.style.WARNING(
                    f"Created admin '{username}' with the generated password: "
                    f"{password}\n"
                    "It is shown only this once; change it after logging in, or set "
                    "BERTH_ADMIN_PASSWORD."
                )
            )
        else:
            self.stdout.write(
                f"Created admin '{username}' (password from BERTH_ADMIN_PASSWORD)."
            )
