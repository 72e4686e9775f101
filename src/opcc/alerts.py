"""Telling the finance team when a night did not publish, or published but its transparency publications were
blocked, or a feed is overdue (opcc.freshness), by email through Airflow's SMTP settings."""

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


def send_failure_email(settings: Settings, run_dir: str, message: str, overdue: list[str] | None = None) -> bool:
    """Email `settings.alert_email` why the night did not publish (and any feed overdue); False when no address
    is set."""
    return _send(settings, run_dir, message, "OPCC warehouse: last night's run did not publish",
                 "Last night's run of the commissioning finance warehouse did not publish.\n"
                 "BI tools still show the last good version.", overdue)


def send_publications_blocked_email(settings: Settings, run_dir: str, message: str,
                                    overdue: list[str] | None = None) -> bool:
    """Email `settings.alert_email` that the warehouse published but a FAIL check held back the transparency
    publications (a statutory duty: someone must act); False when no address is set."""
    return _send(settings, run_dir, message, "OPCC warehouse: last night's transparency publications were blocked",
                 "Last night's run of the commissioning finance warehouse published the warehouse, but a check on the\n"
                 "transparency publications failed, so no publication file was written (the published ones stay).",
                 overdue)


def send_overdue_email(settings: Settings, run_dir: str, overdue: list[str]) -> bool:
    """Email `settings.alert_email` that the night published but a feed is overdue or a closed ledger month is
    empty (the figures may be incomplete: someone must chase the file); False when no address is set."""
    return _send(settings, run_dir, "; ".join(overdue), "OPCC warehouse: a feed is overdue",
                 "Last night's run of the commissioning finance warehouse published, but not every extract arrived\n"
                 "when it should have: the figures may be incomplete until it does.", overdue, bare=True)


def send_not_published_by_email(settings: Settings, subject: str, body: str) -> bool:
    """Email `settings.alert_email` that a night missed its publish-by time (opcc.freshness.publish_deadline)."""
    return _send(settings, "", body, subject, body, None, bare=True)


def _send(settings: Settings, run_dir: str, message: str, subject: str, opening: str,
          overdue: list[str] | None = None, bare: bool = False) -> bool:
    if not settings.alert_email:
        print(f"{message} (no alert_email set in opcc.toml, so no email sent)")
        return False
    smtp = smtp_settings()
    mail = EmailMessage()
    mail["Subject"] = subject
    mail["From"] = str(smtp["mail_from"])
    mail["To"] = settings.alert_email
    overdue_text = "".join(f"- {line}\n" for line in overdue or [])
    mail.set_content(
        f"{opening}\n\n"
        + ("" if bare else f"Why: {message}\n\n")
        + (f"Overdue:\n{overdue_text}\n" if overdue_text else "")
        + (f"Report: {run_dir}/index.html (latest: {settings.reports_dir / 'index.html'})\n" if run_dir else
           f"Latest report: {settings.reports_dir / 'index.html'}\n")
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
