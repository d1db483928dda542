"""Where a server listens, from its command line, its sockets and its log; a crash's cause."""

from __future__ import annotations

import pytest

from scaffold.validate.listening import (
    announced_ports,
    command_port,
    compose_ports,
    last_traceback,
    listening_sockets,
)


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        (["uvicorn", "app:app", "--reload", "--port", "8000"], {}, 8000),
        (["uvicorn", "app:app", "--port=9001"], {}, 9001),
        (["/app/.venv/bin/uvicorn", "app:app", "--port", "8000"], {}, 8000),
        (["uvicorn", "app:app"], {}, None),  # its default is not taken on trust
        (["python", "-m", "uvicorn", "app:app", "--port", "7000"], {}, 7000),
        (["gunicorn", "-b", "0.0.0.0:8080", "app:app"], {}, 8080),
        (["gunicorn", "--bind=[::]:8081", "app:app"], {}, 8081),
        (["gunicorn", "app:app"], {"PORT": "5005"}, 5005),
        (["hypercorn", "--bind", "0.0.0.0:8443", "app:app"], {}, 8443),
        (["granian", "--interface", "asgi", "--port", "8002", "app:app"], {}, 8002),
        (["flask", "run", "-p", "5001"], {}, 5001),
        (["flask", "run"], {}, None),
        (["fastapi", "run", "app/main.py", "--port", "80"], {}, 80),
        (["/bin/sh", "-c", "exec uvicorn app:app --port ${PORT:-8010}"], {}, 8010),
        (["/bin/sh", "-c", "uvicorn app:app --port $PORT"], {"PORT": "8011"}, 8011),
        (["gunicorn", "--bind", "unix:/tmp/app.sock", "app:app"], {}, None),
        (["python", "-m", "worker"], {}, None),
        (["flask", "db", "upgrade"], {}, None),
    ],
)
def test_the_command_line_says_where_a_known_server_listens(
    argv: list[str], env: dict[str, str], expected: int | None
) -> None:
    found = command_port(argv, env)
    assert (found[0] if found else None) == expected


PROC_NET_TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000 10001  0 1 1
   1: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 10001  0 2 1
   2: 0100007F:1F40 0100007F:9C40 01 00000000:00000000 00:00000000 00000000 10001  0 3 1
  sl  local_address                         remote_address                        st
   0: 00000000000000000000000000000000:1FBB 00000000000000000000000000000000:0000 0A 0 0 0
"""


def test_listening_sockets_are_read_from_proc_net_tcp() -> None:
    # 8000 on every address, 8080 on the loopback only, 8123 on IPv6; the connection is not.
    assert listening_sockets(PROC_NET_TCP) == {8000: True, 8080: False, 8123: True}


def test_the_log_says_where_it_listens() -> None:
    log = (
        "INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)\n"
        "[2024-01-01] [1] [INFO] Listening at: http://0.0.0.0:9000 (1)\n"
        "worker listening on 127.0.0.1:7000\n"
    )
    assert announced_ports(log) == {8000: True, 9000: True, 7000: False}


def test_the_last_line_of_the_last_traceback_is_the_cause() -> None:
    log = (
        "INFO:     Started reloader process [1] using StatReload\n"
        "Process SpawnProcess-1:\n"
        "Traceback (most recent call last):\n"
        '  File "/usr/lib/python3.11/multiprocessing/process.py", line 314, in _bootstrap\n'
        "    self.run()\n"
        "    ^^^^^^^^^^\n"
        "ModuleNotFoundError: No module named 'redis'\n"
        "INFO:     still watching\n"
    )
    assert last_traceback(log) == "ModuleNotFoundError: No module named 'redis'"
    assert last_traceback("INFO: fine\n") == ""


def test_the_ports_a_compose_service_publishes() -> None:
    ports = ["8000:8000", "127.0.0.1::9000", "7000", {"target": 6000, "published": 1}, "53/udp"]
    assert compose_ports(ports) == [8000, 9000, 7000, 6000]


def test_a_settings_error_names_the_field_and_what_is_wrong() -> None:
    log = (
        "Traceback (most recent call last):\n"
        '  File "/app/.venv/lib/python3.11/site-packages/app/main.py", line 9, in <module>\n'
        "    settings = Settings()\n"
        "pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings\n"
        "database_url\n"
        "  Field required [type=missing, input_value={}, input_type=dict]\n"
        "    For further information visit https://errors.pydantic.dev/2.9/v/missing\n"
    )
    assert last_traceback(log) == (
        "pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings: "
        "database_url Field required"
    )
