"""Telling the finance team when a night did not publish, or published but its transparency publications were
blocked, by email through Airflow's SMTP settings."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from opcc.config import Settings


def smtp_settings() -> dict[str, str | int | bool]:
    """Airflow's [smtp] section (AIRFLOW__SMTP__SMTP_HOST etc.), read without importing Airflow's core."""
    import os

    def get(key: str, default: str) -> str:
        return os.environ.get(f"AIRFLOW__SMTP__{key.upper()}", default)

    return {
        "host": get("smtp_host", "localhost"),
        "port": int(get("smtp_port", "25")),
        "starttls": get("smtp_starttls", "False").lower() == "true",
        "ssl": get("smtp_ssl", "False").lower() == "true",
        "user": get("smtp_user", ""),
        "password": get("smtp_password", ""),
        "mail_from": get("smtp_mail_from", "opcc-warehouse@localhost"),
        "timeout": int(get("smtp_timeout", "30")),
    }


def send_failure_email(settings: Settings, run_dir: str, message: str) -> bool:
    """Email `settings.alert_email` why the night did not publish; False when no address is set."""
    return _send(settings, run_dir, message, "OPCC warehouse: last night's run did not publish",
                 "Last night's run of the commissioning finance warehouse did not publish.\n"
                 "BI tools still show the last good version.")


def send_publications_blocked_email(settings: Settings, run_dir: str, message: str) -> bool:
    """Email `settings.alert_email` that the warehouse published but a FAIL check held back the transparency
    publications (a statutory duty: someone must act); False when no address is set."""
    return _send(settings, run_dir, message, "OPCC warehouse: last night's transparency publications were blocked",
                 "Last night's run of the commissioning finance warehouse published the warehouse, but a check on the\n"
                 "transparency publications failed, so no publication file was written (the published ones stay).")


def _send(settings: Settings, run_dir: str, message: str, subject: str, opening: str) -> bool:
    if not settings.alert_email:
        print(f"{message} (no alert_email set in opcc.toml, so no email sent)")
        return False
    smtp = smtp_settings()
    mail = EmailMessage()
    mail["Subject"] = subject
    mail["From"] = str(smtp["mail_from"])
    mail["To"] = settings.alert_email
    mail.set_content(
        f"{opening}\n\n"
        f"Why: {message}\n\n"
        f"Report: {run_dir}/index.html (latest: {settings.reports_dir / 'index.html'})\n"
    )
    cls = smtplib.SMTP_SSL if smtp["ssl"] else smtplib.SMTP
    with cls(str(smtp["host"]), int(smtp["port"]), timeout=int(smtp["timeout"])) as server:
        if smtp["starttls"]:
            server.starttls()
        if smtp["user"]:
            server.login(str(smtp["user"]), str(smtp["password"]))
        server.send_message(mail)
    print(f"alert emailed to {settings.alert_email}")
    return True
