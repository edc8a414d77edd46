"""Starts moto's server for local/emulator.ts, with two additions that `python -m moto.server` lacks.

1. Fixes of moto 5.2.1 bugs that would make the emulator differ from AWS, each a no-op once moto
   behaves:
   - EventBridge -> SQS: the default target input template drops the event's "account" field, which
     AWS always sends and schema parsers (Powertools EventBridgeSchema) require.
2. A watchdog: the server exits when the Node.js process that started it is gone, even if that process
   was killed with SIGKILL and could not stop it (moto runs in its own process group so Ctrl-C reaches
   it through the runner's shutdown, not twice).

Usage: python3 local/moto_server.py -H 127.0.0.1 -p PORT   (the arguments of moto.server)
"""

import os
import sys
import threading
import time

from moto.events import utils as _events_utils

_template = _events_utils.EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE
if '"account"' not in _template:
    _events_utils.EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE = _template.replace(
        '"version": "0", ', '"version": "0", "account": "<account>", '
    )


def _exit_with_parent(parent_pid: int) -> None:
    while True:
        if os.getppid() != parent_pid:
            os._exit(0)
        time.sleep(1)


_parent = os.environ.get("LOCAL_EMULATOR_PARENT_PID")
if _parent and _parent.isdigit():
    threading.Thread(target=_exit_with_parent, args=(int(_parent),), daemon=True).start()

from moto.server import main  # noqa: E402  (after the patches, so they apply to every backend)

main(sys.argv[1:])
