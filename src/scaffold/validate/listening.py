"""Where a server listens, read from every signal an image and its container give, and the
traceback a crashed process left in its log.

A command that merely stays up proves nothing about a server: a reloader stays up while its
worker dies. So the port is looked for everywhere it can be said (the image's ``EXPOSE``, the
command's own ``--port``/``--bind``, a compose service's published port, the sockets that listen
inside the container, the log's "listening on"), and then asked. Plain functions over text:
the run step feeds them what Docker said.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping, Sequence

# Servers whose command line says where they listen. Where it does not, their default is
# not taken on trust (a config file may say otherwise): the listening sockets will tell.
SERVERS = frozenset(
    {"uvicorn", "gunicorn", "hypercorn", "granian", "fastapi", "daphne", "flask", "waitress-serve"}
)
_PORT_FLAGS = ("--port", "-p")
_BIND_FLAGS = ("--bind", "-b", "--listen")
_SEPARATORS = {"&&", "||", ";", "|", "&"}
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def _words(argv: Sequence[str]) -> list[str]:
    """The command's words; a shell form (``sh -c "..."``) split as the shell would."""
    words = list(argv)
    if len(words) >= 3 and words[0].rsplit("/", 1)[-1] in ("sh", "bash", "dash") and "-c" in words:
        script = words[words.index("-c") + 1] if words.index("-c") + 1 < len(words) else ""
        try:
            return shlex.split(re.sub(r"(&&|\|\||;)", r" \1 ", script))
        except ValueError:
            return script.split()
    return words


def _expand(word: str, env: Mapping[str, str]) -> str:
    return _VARIABLE.sub(
        lambda m: env.get(m.group(1) or m.group(3) or "") or m.group(2) or "", word
    )


def _port_of(value: str) -> int | None:
    """``8000``, ``0.0.0.0:8000``, ``[::]:8000``, ``:8000``; not a unix socket."""
    if value.startswith(("unix:", "fd://")):
        return None
    match = re.search(r"(?:^|:)(\d{1,5})$", value)
    port = int(match.group(1)) if match else 0
    return port if 0 < port < 65536 else None


def command_port(argv: Sequence[str], env: Mapping[str, str]) -> tuple[int, str] | None:
    """The port a known server's command line names with its own flag, with what said so
    (``uvicorn --port 8000``); None when it names none."""
    words = [_expand(word, env) for word in _words(argv)]
    for index, word in enumerate(words):
        server = word.rsplit("/", 1)[-1]
        if server not in SERVERS:
            continue
        if server in ("flask", "fastapi") and not {"run", "dev"} & set(words[index + 1 :]):
            continue
        rest: list[str] = []
        for following in words[index + 1 :]:
            if following in _SEPARATORS:
                break
            rest.append(following)
        for position, flag in enumerate(rest):
            name, equals, inline = flag.partition("=")
            value = inline if equals else (rest[position + 1] if position + 1 < len(rest) else "")
            if name in _PORT_FLAGS and value.isdigit() and 0 < int(value) < 65536:
                return int(value), f"{server} {name} {value}"
            if name in _BIND_FLAGS and (port := _port_of(value)) is not None:
                return port, f"{server} {name} {value}"
        if server == "gunicorn" and (port := _port_of(env.get("PORT", ""))) is not None:
            return port, f"gunicorn with PORT={port}"
        return None
    return None


def listening_sockets(proc_net: str) -> dict[int, bool]:
    """Ports in LISTEN state in ``/proc/net/tcp`` and ``tcp6`` text, each with whether it
    listens beyond the loopback."""
    found: dict[int, bool] = {}
    for line in proc_net.splitlines():
        parts = line.split()
        if len(parts) < 4 or not parts[0].endswith(":") or parts[3] != "0A":
            continue
        address, _, port_hex = parts[1].rpartition(":")
        try:
            port = int(port_hex, 16)
        except ValueError:
            continue
        loopback = address in ("0100007F", "00000000000000000000000001000000")
        found[port] = found.get(port, False) or not loopback
    return found


# How servers announce where they listen: uvicorn, gunicorn, hypercorn, Flask, aiohttp...
LISTENING = re.compile(
    r"(?:running on|listening on|listening at:?|serving on|started server on)\s+"
    r"(?:(https?)://)?(?:\[[^\]]*\]|[\w.-]+):(\d+)",
    re.IGNORECASE,
)


def announced_ports(log: str) -> dict[int, bool]:
    """Ports the log says the process listens on, each with whether it said ``http://``."""
    found: dict[int, bool] = {}
    for scheme, port in LISTENING.findall(log):
        found[int(port)] = found.get(int(port), False) or bool(scheme)
    return found


def last_traceback(log: str) -> str:
    """The last line of the last Python traceback in a log ("" when it holds none): the
    exception and its message, which is what explains the crash."""
    lines = log.splitlines()
    starts = [i for i, line in enumerate(lines) if "Traceback (most recent call last):" in line]
    if not starts:
        return ""
    rest = lines[starts[-1] + 1 :]
    for index, line in enumerate(rest):
        stripped = line.strip()
        # Frames and their source lines are indented; an exception group's are drawn with |.
        if stripped and not line[:1].isspace() and not stripped.startswith(("|", "+")):
            if _VALIDATION_ERROR.search(stripped):
                # pydantic names the field and what is wrong with it on the next two lines:
                # "database_url" / "  Field required [type=missing, ...]".
                field = " ".join(part.strip() for part in rest[index + 1 : index + 3])
                field = _PYDANTIC_TYPE.sub("", field)
                return f"{stripped}: {field}" if field else stripped
            return stripped
    return ""


_VALIDATION_ERROR = re.compile(r"\d+ validation errors? for \w+")
_PYDANTIC_TYPE = re.compile(r"\s*\[type=.*$")


def compose_ports(ports: Iterable[object]) -> list[int]:
    """The container ports a compose service publishes (``"8000:8000"``, ``"127.0.0.1::80"``,
    ``{target: 8000}``)."""
    found: list[int] = []
    for item in ports:
        if isinstance(item, dict):
            target = item.get("target")
            text = str(target) if target is not None and item.get("protocol") != "udp" else ""
        elif str(item).endswith("/udp"):
            continue
        else:
            text = str(item).split("/")[0].rsplit(":", 1)[-1]
        if text.isdigit() and 0 < int(text) < 65536:
            found.append(int(text))
    return found
