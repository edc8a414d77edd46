"""Starts moto's server for local/emulator.ts, with two additions that `python -m moto.server` lacks.

1. Fixes of moto 5.2.1 bugs that would make the emulator differ from AWS, each a no-op once moto
   behaves:
   - EventBridge -> SQS: the default target input template drops the event's "account" field, which
     AWS always sends and schema parsers (Powertools EventBridgeSchema) require.
   - DynamoDB under concurrent requests (the server is threaded): an UpdateItem's read-modify-write
     (ADD, SET a = a - :n) can interleave with another and lose an update, and TransactWriteItems takes a
     snapshot of every table it touches and, when a condition fails, puts the whole snapshot back,
     erasing every write other requests made meanwhile (seen as stock that never came back). DynamoDB
     applies each request atomically and isolates transactions: requests are serialized here, and a
     transaction snapshots (and on failure restores) only the items it touches. The whole-table copy
     also cost O(table size) per transaction: ~40 ms per 100 order items, the main cost of a big run.
   - EventBridge throughput: delivering an event to a target compiles its 8 input paths with
     jsonpath_ng, which builds a parser (PLY tables) per call: ~50 ms each, so ~0.4 s per target and
     about 1 s per event for a bus with three targets. The compiled paths are cached.
   - SQS throughput: every received message checks its retention through GetQueueAttributes, which
     computes every attribute of the queue three times, each counting all its messages with a datetime
     based clock: O(queue length) per message, the largest cost of a run with a backlog. The check reads
     the retention period directly, attributes are computed once per call, the clock is time.time().
   - werkzeug's access log (a line per request, ~15 % of the server's time under load) is off; set
     MOTO_ACCESS_LOG=1 to keep it. Errors and tracebacks are still printed.
2. A watchdog: the server exits when the Node.js process that started it is gone, even if that process
   was killed with SIGKILL and could not stop it (moto runs in its own process group so Ctrl-C reaches
   it through the runner's shutdown, not twice).

Usage: python3 local/moto_server.py -H 127.0.0.1 -p PORT   (the arguments of moto.server)
"""

import copy
import functools
import logging
import os
import sys
import threading
import time

import jsonpath_ng.ext as _jsonpath_ext
import moto
import moto.dynamodb.models as _dynamodb_models
from moto.dynamodb import responses as _dynamodb_responses
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.events import utils as _events_utils
from moto.sqs import models as _sqs_models
from moto.sqs.exceptions import InvalidAttributeName

_template = _events_utils.EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE
if '"account"' not in _template:
    _events_utils.EventTemplateParser.DEFAULT_EVENT_INPUT_TEMPLATE = _template.replace(
        '"version": "0", ', '"version": "0", "account": "<account>", '
    )


if not hasattr(_jsonpath_ext.parse, "cache_info"):
    # moto imports `parse` inside the function on each call, so replacing the module attribute suffices.
    _jsonpath_ext.parse = functools.lru_cache(maxsize=512)(_jsonpath_ext.parse)


def _serialized(call_action, lock):
    @functools.wraps(call_action)
    def locked(self, *args, **kwargs):
        with lock:
            return call_action(self, *args, **kwargs)

    locked.serialized = True
    return locked


if not getattr(_dynamodb_responses.DynamoHandler.call_action, "serialized", False):
    _dynamodb_responses.DynamoHandler.call_action = _serialized(
        _dynamodb_responses.DynamoHandler.call_action, threading.RLock()
    )


_in_transaction = threading.local()


class _CopyModule:
    """`copy` as moto.dynamodb.models sees it: inside TransactWriteItems a Table is not deep-copied."""

    def __getattr__(self, name):
        return getattr(copy, name)

    @staticmethod
    def deepcopy(obj, memo=None):
        if getattr(_in_transaction, "active", False) and isinstance(obj, Table):
            return obj  # so moto's rollback (`tables[name] = snapshot`) puts back the live table
        return copy.deepcopy(obj, memo)


def _item_snapshots(backend, transact_items):
    """(table, hash, range, deep copy of the item or None) for every item the transaction names."""
    snapshots = []
    for entry in transact_items:
        try:
            ((op_type, op),) = entry.items()
            table = backend.tables.get(op.get("TableName"))
            if table is None:
                continue
            attrs = op["Item"] if op_type == "Put" else op["Key"]
            hash_value = DynamoType(attrs[table.hash_key_attr])
            range_value = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
            current = table.get_item(hash_value, range_value)
        except Exception:  # noqa: BLE001  malformed entry: moto's own code reports it
            continue
        snapshots.append((table, hash_value, range_value, copy.deepcopy(current)))
    return snapshots


def _restore(snapshots):
    for table, hash_value, range_value, item in reversed(snapshots):
        if range_value is None:
            if item is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = item
        elif item is None:
            table.items.get(hash_value, {}).pop(range_value, None)
        else:
            table.items[hash_value][range_value] = item


def _item_level_transactions(transact_write_items):
    @functools.wraps(transact_write_items)
    def transact(self, transact_items):
        snapshots = _item_snapshots(self, transact_items)
        _in_transaction.active = True
        try:
            return transact_write_items(self, transact_items)
        except BaseException:
            _restore(snapshots)
            raise
        finally:
            _in_transaction.active = False

    transact.item_level = True
    return transact


# Relies on moto 5.2's internals (the `copy` module global, Table.items): other versions keep moto's own.
_backend = _dynamodb_models.DynamoDBBackend
if moto.__version__.startswith("5.2.") and not getattr(_backend.transact_write_items, "item_level", False):
    _dynamodb_models.copy = _CopyModule()
    _backend.transact_write_items = _item_level_transactions(_backend.transact_write_items)


def _epoch_seconds(dt=None):
    # moto's unix_time() without an argument is "now" as UTC epoch seconds, via datetime arithmetic.
    return time.time() if dt is None else _moto_unix_time(dt)


def _epoch_millis(dt=None):
    return _epoch_seconds(dt) * 1000.0


def _get_queue_attributes(self, queue_name, attribute_names):
    """moto's SQSBackend.get_queue_attributes, with Queue.attributes computed once instead of 3 x per name."""
    queue = self.get_queue(queue_name)
    if not attribute_names:
        return {}
    valid_names = ["All"] + queue.BASE_ATTRIBUTES + queue.FIFO_ATTRIBUTES + queue.KMS_ATTRIBUTES
    invalid_name = next((name for name in attribute_names if name not in valid_names), None)
    if invalid_name or invalid_name == "":
        raise InvalidAttributeName(invalid_name)
    attributes = queue.attributes
    if "All" in attribute_names:
        return attributes
    return {name: attributes[name] for name in attribute_names if attributes.get(name) is not None}


def _is_message_valid_based_on_retention_period(self, queue_name, message):
    retention_period = int(self.get_queue(queue_name).message_retention_period)
    return retention_period + message.sent_timestamp / 1000 > time.time()


_sqs_backend = _sqs_models.SQSBackend
if moto.__version__.startswith("5.2.") and not getattr(_sqs_backend, "_local_fast_attributes", False):
    _moto_unix_time = _sqs_models.unix_time
    _sqs_models.unix_time = _epoch_seconds
    _sqs_models.unix_time_millis = _epoch_millis
    _sqs_backend.get_queue_attributes = _get_queue_attributes
    _sqs_backend.is_message_valid_based_on_retention_period = _is_message_valid_based_on_retention_period
    _sqs_backend._local_fast_attributes = True

if os.environ.get("MOTO_ACCESS_LOG") != "1":
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


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
