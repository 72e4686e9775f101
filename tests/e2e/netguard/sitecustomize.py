"""Loaded by every Python process of an end-to-end run (via PYTHONPATH): records any attempt to
resolve or reach a host off this machine, so the test can prove the run stays offline."""

import ipaddress
import os
import sys

_LOG = os.environ.get("OPCC_NETGUARD_LOG")
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "", None}


def _is_local(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if host in _LOCAL_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(str(host).split("%")[0])
    except ValueError:
        return str(host) == os.uname().nodename
    return ip.is_loopback or ip.is_unspecified


def _hook(event, args):
    if event == "socket.getaddrinfo":
        host = args[0]
    elif event in ("socket.connect", "socket.sendto") and isinstance(args[1], tuple):
        host = args[1][0]
    else:
        return
    if not _is_local(host):
        with open(_LOG, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {' '.join(sys.argv)[:200]}: {event} {host}\n")


if _LOG:
    sys.addaudithook(_hook)
