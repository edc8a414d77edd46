"""Starts moto's server for emulator.ts, with three additions that `python -m moto.server` lacks.

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
   - SQS losing messages: Queue.delete_message rebuilds the queue's message list from a copy without the
     lock that add_message takes, so a message that arrives (an EventBridge delivery) while another is
     deleted can vanish: seen as an analytics count one short after a run of 1,000 orders. The delete
     takes the same lock.
   - werkzeug's access log (a line per request, ~15 % of the server's time under load) is off; set
     MOTO_ACCESS_LOG=1 to keep it. Errors and tracebacks are still printed.
2. A watchdog: the server exits when the Node.js process that started it is gone, even if that process
   was killed with SIGKILL and could not stop it (moto runs in its own process group so Ctrl-C reaches
   it through the runner's shutdown, not twice).
3. Usage accounting, so a benchmark can count the API calls of every caller and price a run:
   `GET /_local/requests` answers (cumulative since start; consumers diff two snapshots)
     {"requests": [{"caller", "service", "operation", "count", "errors"}],
      "dynamodb": [{"caller", "table", "writeUnits", "readUnits"}]}
   - every request that reaches the server is counted, by caller (the SDK's `app/<id>` user agent
     token: `userAgentAppId` or AWS_SDK_UA_APP_ID, as the SDK escapes it; '' without one), service and
     operation (`DynamoDB`/`PutItem`, `SQS`/`ReceiveMessage`...: from X-Amz-Target, else the query
     protocol's Action, else the HTTP method and first path segment); `errors` counts 4xx/5xx answers.
     Each HTTP attempt counts: an SDK retry is a second request.
   - DynamoDB capacity as on-demand bills it (moto's ConsumedCapacity is a constant), from the item
     sizes before and after each request, computed with DynamoDB's item size rules (moto's
     Item.size() counts a number's characters, base64 text and no list/map overhead). Rules and
     approximations: see _meter_* below.
4. The Deny statements of event bus policies on PutEvents, which moto stores nowhere (it ignores a bus's
   Policy and every IAM permission). `PUT /_local/bus-policy` (bus-policy.ts resolves them from the
   deployed templates) sets, per bus, the statements to enforce and the principal ARN behind each access
   key id (moto accepts any key; the local Lambda runner signs each function's requests with its role's).
   A PutEvents entry a statement denies is refused at its position as EventBridge refuses it (HTTP 200,
   ErrorCode AccessDeniedException, FailedEntryCount counting it) and never reaches moto; the other
   entries go to moto unchanged in one request, and the answers are merged in order. The call still
   counts as one request. `GET /_local/bus-policy` answers what is enforced.

Usage: python3 tools/local-cloud/src/moto_server.py -H 127.0.0.1 -p PORT   (the arguments of moto.server)
"""

import copy
import functools
import inspect
import io
import json
import logging
import math
import os
import re
import sys
import threading
import time
import uuid

import jsonpath_ng.ext as _jsonpath_ext
import moto
import moto.dynamodb.models as _dynamodb_models
from moto.dynamodb import responses as _dynamodb_responses
from moto.dynamodb.exceptions import ConditionalCheckFailed, TransactionCanceledException
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


def _locked_delete_message(delete_message):
    """Queue.delete_message holding the queue's message lock, as add_message does."""

    @functools.wraps(delete_message)
    def delete(self, receipt_handle):
        with self._messages_lock:
            return delete_message(self, receipt_handle)

    delete.locked = True
    return delete


_sqs_queue = _sqs_models.Queue
if moto.__version__.startswith("5.2.") and not getattr(_sqs_queue.delete_message, "locked", False):
    _sqs_queue.delete_message = _locked_delete_message(_sqs_queue.delete_message)

# --- 3. Usage accounting ------------------------------------------------------------------------------

REQUESTS_PATH = "/_local/requests"

# X-Amz-Target prefixes of the JSON protocol services the benchmark counts; others take the signing name.
_SERVICE_BY_TARGET_PREFIX = {"DynamoDB_20120810": "DynamoDB", "AWSEvents": "EventBridge", "AmazonSQS": "SQS"}
_SERVICE_BY_SIGNING_NAME = {
    "dynamodb": "DynamoDB",
    "events": "EventBridge",
    "sqs": "SQS",
    "s3": "S3",
    "lambda": "Lambda",
    "cloudformation": "CloudFormation",
    "iam": "IAM",
    "sts": "STS",
}
# The SDK v3 (Node) puts `app/<id>` in User-Agent, a browser build in X-Amz-User-Agent; it replaces every
# character outside [A-Za-z0-9!$%&'*+-.^_`|~#] by '-', so the id never holds a space.
_APP_ID = re.compile(r"(?:^|\s)app/(\S+)")
_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/\s]*/[^/\s]*/[^/\s]*/([^/\s]+)/")
_ACTION = re.compile(r"(?:^|&)Action=([^&]*)")


class _Usage:
    """Counters shared by the server's threads: requests per (caller, service, operation), capacity per
    (caller, table)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._requests = {}
        self._capacity = {}

    def request(self, caller, service, operation, failed):
        with self._lock:
            counts = self._requests.setdefault((caller, service, operation), [0, 0])
            counts[0] += 1
            counts[1] += 1 if failed else 0

    def capacity(self, table, write_units=0.0, read_units=0.0):
        caller = getattr(_current_request, "caller", "")
        with self._lock:
            units = self._capacity.setdefault((caller, table), [0.0, 0.0])
            units[0] += write_units
            units[1] += read_units

    def snapshot(self):
        with self._lock:
            requests = sorted(self._requests.items())
            capacity = sorted(self._capacity.items())
        return {
            "requests": [
                {"caller": c, "service": s, "operation": o, "count": n, "errors": e}
                for (c, s, o), (n, e) in requests
            ],
            "dynamodb": [
                {"caller": c, "table": t, "writeUnits": w, "readUnits": r} for (c, t), (w, r) in capacity
            ],
        }


_usage = _Usage()
_current_request = threading.local()  # the caller of the request this thread serves (threaded server)


def _caller(environ):
    for header in ("HTTP_USER_AGENT", "HTTP_X_AMZ_USER_AGENT"):
        match = _APP_ID.search(environ.get(header, ""))
        if match:
            return match.group(1)
    return ""


def _request_body(environ):
    """The request body, or None when it has no length; wsgi.input is replaced so moto can read it again."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if length <= 0:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _query_action(environ):
    """The query protocol's Action (CloudFormation, IAM, STS), from the query string or the form body."""
    match = _ACTION.search(environ.get("QUERY_STRING", ""))
    if match:
        return match.group(1)
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return None
    body = _request_body(environ)
    match = _ACTION.search(body.decode("utf-8", "replace")) if body else None
    return match.group(1) if match else None


def _service_operation(environ):
    scope = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    signing_name = scope.group(1) if scope else ""
    service = _SERVICE_BY_SIGNING_NAME.get(signing_name.lower(), signing_name)
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target and "." in target:
        prefix, operation = target.split(".", 1)
        return _SERVICE_BY_TARGET_PREFIX.get(prefix, service or prefix), operation
    action = _query_action(environ)
    if action:
        return service, action
    path = environ.get("PATH_INFO", "")
    return service, f"{environ.get('REQUEST_METHOD', '')} {path.lstrip('/').split('/', 1)[0]}"


class _CountingApp:
    """WSGI middleware around moto's app: counts every request, serves REQUESTS_PATH and BUS_POLICY_PATH
    itself, and applies the bus policies to PutEvents."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == BUS_POLICY_PATH:
            return _serve_bus_policy(environ, start_response)
        if environ.get("PATH_INFO") == REQUESTS_PATH:
            if environ.get("REQUEST_METHOD") != "GET":
                start_response("405 Method Not Allowed", [("Allow", "GET"), ("Content-Length", "0")])
                return [b""]
            body = json.dumps(_usage.snapshot()).encode("utf-8")
            start_response(
                "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            )
            return [body]

        caller = _caller(environ)
        service, operation = _service_operation(environ)
        statuses = []

        def recording_start_response(status, headers, exc_info=None):
            statuses.append(status)
            return start_response(status, headers, exc_info)

        _current_request.caller = caller
        try:
            if (service, operation) == ("EventBridge", "PutEvents") and _bus_policies.active():
                return _put_events(self.app, environ, recording_start_response)
            return self.app(environ, recording_start_response)
        finally:
            _current_request.caller = ""
            # Flask has called start_response when it returns. No status: moto raised, werkzeug answers 500.
            failed = not statuses or int(statuses[-1].split(" ", 1)[0]) >= 400
            _usage.request(caller, service, operation, failed)


# DynamoDB item size, as the developer guide defines it (Working with items > Item sizes and formats):
# attribute names and string values in UTF-8 bytes; a number 1 byte per two significant digits + 1; a
# binary its raw bytes; a boolean or null 1; a list or map 3 bytes plus 1 per element (and the map's
# names). moto's Item.size() differs: a number's characters, base64 text, no list/map overhead.
_WRITE_UNIT_BYTES = 1024
_READ_UNIT_BYTES = 4096


def _number_size(text):
    mantissa = str(text).lower().split("e", 1)[0]
    significant = "".join(ch for ch in mantissa if ch.isdigit()).strip("0")
    return (len(significant) + 1) // 2 + 1


def _binary_size(value):
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    text = str(value)  # moto keeps the request's base64 text
    return len(text) * 3 // 4 - text[-2:].count("=")


def _value_size(value):
    if not isinstance(value, DynamoType):
        value = DynamoType(value)
    kind, data = value.type, value.value
    if kind == "S":
        return len(data.encode("utf-8"))
    if kind == "N":
        return _number_size(data)
    if kind == "B":
        return _binary_size(data)
    if kind == "SS":
        return sum(len(v.encode("utf-8")) for v in data)
    if kind == "NS":
        return sum(_number_size(v) for v in data)
    if kind == "BS":
        return sum(_binary_size(v) for v in data)
    if kind == "L":
        return 3 + sum(1 + _value_size(v) for v in data)
    if kind == "M":
        return 3 + sum(1 + len(k.encode("utf-8")) + _value_size(v) for k, v in data.items())
    return 1  # BOOL, NULL


def _item_size(item):
    """Size of a moto Item, or of the attributes of a request (a dict of AttributeValues); 0 for None."""
    if item is None:
        return 0
    attrs = item.attrs if hasattr(item, "attrs") else item
    return sum(len(name.encode("utf-8")) + _value_size(value) for name, value in attrs.items())


def _write_units(size):
    return max(1, math.ceil(size / _WRITE_UNIT_BYTES))


def _read_units(size, consistent):
    units = max(1, math.ceil(size / _READ_UNIT_BYTES))
    return units if consistent else units / 2


def _stored(backend, table_name, key_attrs):
    """(table, the stored item or None), or (None, None) when the request names no valid table and key:
    then moto fails the request with a validation error, which DynamoDB does not bill."""
    try:
        table = backend.get_table(table_name)
        hash_value, range_value = backend.get_keys_value(table, key_attrs)
        return table, table.get_item(hash_value, range_value)
    except Exception:  # noqa: BLE001  moto's own code reports it
        return None, None


def _meter_single_write(action, key_field):
    """PutItem (key_field Item), UpdateItem, DeleteItem (Key): ceil(size / 1 KB) WRU, at least 1, size the
    larger of the item before and after; a failed condition bills the stored item."""

    @functools.wraps(action)
    def metered(self):
        body = self.body
        table, before = _stored(self.dynamodb_backend, body.get("TableName"), body.get(key_field) or {})
        if table is None:
            return action(self)
        try:
            result = action(self)
        except ConditionalCheckFailed:
            _usage.capacity(table.name, write_units=_write_units(_item_size(before)))
            raise
        _, after = _stored(self.dynamodb_backend, table.name, body.get(key_field) or {})
        _usage.capacity(table.name, write_units=_write_units(max(_item_size(before), _item_size(after))))
        return result

    return metered


def _meter_get_item(action):
    """GetItem: ceil(size / 4 KB) RRU when ConsistentRead, half that (0.5 at least) otherwise; the whole
    item's size, whatever the projection; a missing item bills the minimum."""

    @functools.wraps(action)
    def metered(self):
        body = self.body
        table, item = _stored(self.dynamodb_backend, body.get("TableName"), body.get("Key") or {})
        result = action(self)
        if table is not None:
            _usage.capacity(table.name, read_units=_read_units(_item_size(item), body.get("ConsistentRead")))
        return result

    return metered


def _meter_batch_get_item(action):
    """BatchGetItem: each key as a GetItem, ConsistentRead per table."""

    @functools.wraps(action)
    def metered(self):
        result = action(self)
        for table_name, request in (self.body.get("RequestItems") or {}).items():
            for key in request.get("Keys") or []:
                table, item = _stored(self.dynamodb_backend, table_name, key)
                if table is not None:
                    _usage.capacity(
                        table.name, read_units=_read_units(_item_size(item), request.get("ConsistentRead"))
                    )
        return result

    return metered


def _meter_batch_write_item(action):
    """BatchWriteItem: each item as a PutItem or DeleteItem (moto applies all or none)."""

    @functools.wraps(action)
    def metered(self):
        backend = self.dynamodb_backend
        writes = []
        for table_name, requests in (self.body.get("RequestItems") or {}).items():
            for request in requests:
                put = request.get("PutRequest")
                key = put.get("Item") if put else (request.get("DeleteRequest") or {}).get("Key")
                table, before = _stored(backend, table_name, key or {})
                if table is not None:
                    writes.append((table, key, _item_size(before)))
        result = action(self)
        for table, key, before in writes:
            _, after = _stored(backend, table.name, key)
            _usage.capacity(table.name, write_units=_write_units(max(before, _item_size(after))))
        return result

    return metered


def _meter_transact_get_items(action):
    """TransactGetItems: 2 x ceil(size / 4 KB) RRU per item."""

    @functools.wraps(action)
    def metered(self):
        result = action(self)
        for entry in self.body.get("TransactItems") or []:
            get = entry.get("Get") or {}
            table, item = _stored(self.dynamodb_backend, get.get("TableName"), get.get("Key") or {})
            if table is not None:
                _usage.capacity(table.name, read_units=2 * _read_units(_item_size(item), True))
        return result

    return metered


def _meter_transact_write_items(action):
    """TransactWriteItems: 2 x the WRU of each Put, Update and Delete; a ConditionCheck 2 x ceil(size / 4 KB)
    RRU. A cancelled transaction bills every item as if it had been written, with the size it has (a Put:
    the larger of the stored and the new item). This is an approximation: DynamoDB documents that a
    cancelled transaction consumes capacity, not how much per item."""

    @functools.wraps(action)
    def metered(self):
        backend = self.dynamodb_backend
        entries = []
        for entry in self.body.get("TransactItems") or []:
            if len(entry) != 1:
                continue
            ((kind, op),) = entry.items()
            key = op.get("Item") if kind == "Put" else op.get("Key")
            table, before = _stored(backend, op.get("TableName"), key or {})
            if table is not None:
                entries.append((table, kind, key, _item_size(before), _item_size(key) if kind == "Put" else 0))
        try:
            result = action(self)
        except TransactionCanceledException:
            for table, kind, _key, before, put_size in entries:
                _bill_transaction_item(table, kind, before, max(before, put_size))
            raise
        for table, kind, key, before, _put_size in entries:
            _, after = _stored(backend, table.name, key)
            _bill_transaction_item(table, kind, before, max(before, _item_size(after)))
        return result

    return metered


def _bill_transaction_item(table, kind, before, written):
    if kind == "ConditionCheck":
        _usage.capacity(table.name, read_units=2 * _read_units(before, True))
    else:
        _usage.capacity(table.name, write_units=2 * _write_units(written))


def _meter_table_read(read, filter_arg, projection_arg):
    """Table.query / Table.scan: the sizes of the items evaluated (matched by the key condition, before the
    filter) summed, rounded up to 4 KB, halved when eventually consistent. moto filters and projects the
    items after reading them: it is asked not to, so the sizes are taken first, then the filter and the
    projection applied as moto would (a legacy ScanFilter still drops items before they are counted)."""
    signature = inspect.signature(read)

    @functools.wraps(read)
    def metered(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        arguments = bound.arguments
        filter_expression = arguments.get(filter_arg)
        projection = arguments.get(projection_arg)
        arguments[filter_arg] = None
        arguments[projection_arg] = None
        results, scanned_count, last_evaluated_key = read(*bound.args, **bound.kwargs)
        evaluated = sum(_item_size(item) for item in results)
        _usage.capacity(self.name, read_units=_read_units(evaluated, arguments.get("consistent_read")))
        if filter_expression is not None:
            results = [item for item in results if filter_expression.expr(item)]
        if projection:
            results = [item.project(projection) for item in results]
        return results, scanned_count, last_evaluated_key

    return metered


# Relies on moto 5.2's handler internals (self.body, get_keys_value, Table.query/scan's steps).
_handler = _dynamodb_responses.DynamoHandler
if moto.__version__.startswith("5.2.") and not getattr(_handler, "_local_metered", False):
    _handler.put_item = _meter_single_write(_handler.put_item, "Item")
    _handler.update_item = _meter_single_write(_handler.update_item, "Key")
    _handler.delete_item = _meter_single_write(_handler.delete_item, "Key")
    _handler.get_item = _meter_get_item(_handler.get_item)
    _handler.batch_get_item = _meter_batch_get_item(_handler.batch_get_item)
    _handler.batch_write_item = _meter_batch_write_item(_handler.batch_write_item)
    _handler.transact_get_items = _meter_transact_get_items(_handler.transact_get_items)
    _handler.transact_write_items = _meter_transact_write_items(_handler.transact_write_items)
    Table.query = _meter_table_read(Table.query, "filter_expression", "projection_expressions")
    Table.scan = _meter_table_read(Table.scan, "filter_expression", "projection_expression")
    _handler._local_metered = True

# --- 4. Bus policies on PutEvents -------------------------------------------------------------------------

BUS_POLICY_PATH = "/_local/bus-policy"

_BUS_POLICY_OPERATORS = {
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
    "ArnEquals",
    "ArnNotEquals",
    "ArnLike",
    "ArnNotLike",
}
# IAM condition key names are case-insensitive; the entry's request context is keyed in lower case.
_BUS_POLICY_KEYS = {"events:source", "events:detail-type", "aws:principalarn"}
_ACCESS_KEY = re.compile(r"Credential=([^/\s,]+)/")
_QUERY_ACCESS_KEY = re.compile(r"(?:^|&)X-Amz-Credential=([^/&%]+)(?:/|%2F)")
_EVENT_BUS_ARN_NAME = re.compile(r"^arn:[^:]+:events:[^:]*:[^:]*:event-bus/(.+)$")


class BusPolicyError(ValueError):
    pass


def _glob(pattern, value):
    """IAM's wildcards: `*` any run of characters, `?` one; nothing else is special; case-sensitive."""
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.fullmatch(body, value, re.DOTALL) is not None


def _arn_like(pattern, arn):
    """ArnLike (and ArnEquals): each of the six colon-separated parts on its own."""
    p, a = pattern.split(":"), arn.split(":")
    if len(p) < 6 or len(a) < 6:
        return _glob(pattern, arn)
    p, a = p[:5] + [":".join(p[5:])], a[:5] + [":".join(a[5:])]
    return all(_glob(x, y) for x, y in zip(p, a))


def _condition_holds(condition, context):
    """A present value must match one of the values (a Not operator: none). A missing key matches nothing,
    so a Not operator holds, as IAM evaluates it."""
    operator = condition["operator"]
    value = context.get(condition["key"].lower())
    negated = "Not" in operator
    if value is None:
        return negated
    if operator.startswith("Arn"):
        match = any(_arn_like(v, value) for v in condition["values"])
    elif operator.endswith("Like"):
        match = any(_glob(v, value) for v in condition["values"])
    else:
        match = value in condition["values"]
    return not match if negated else match


def _validated_bus_policies(config):
    if not isinstance(config, dict):
        raise BusPolicyError("expected an object with principals and buses")
    principals = config.get("principals", {})
    buses = config.get("buses", {})
    if not isinstance(principals, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in principals.items()
    ):
        raise BusPolicyError("principals: expected an object of access key id -> principal ARN")
    if not isinstance(buses, dict):
        raise BusPolicyError("buses: expected an object of bus name -> {arn, statements}")
    for name, bus in buses.items():
        if not isinstance(bus, dict) or not isinstance(bus.get("arn"), str):
            raise BusPolicyError(f"buses.{name}: expected {{arn, statements}}")
        for i, statement in enumerate(bus.get("statements") or []):
            where = f"buses.{name}.statements[{i}]"
            patterns = statement.get("principals") if isinstance(statement, dict) else None
            if not isinstance(statement, dict) or not (
                patterns is None or (isinstance(patterns, list) and all(isinstance(p, str) for p in patterns))
            ):
                raise BusPolicyError(f"{where}: expected {{origin, principals?, conditions}}")
            for condition in statement.get("conditions") or []:
                if not isinstance(condition, dict) or condition.get("operator") not in _BUS_POLICY_OPERATORS:
                    raise BusPolicyError(f"{where}: operator must be one of {sorted(_BUS_POLICY_OPERATORS)}")
                if str(condition.get("key", "")).lower() not in _BUS_POLICY_KEYS:
                    raise BusPolicyError(f"{where}: key must be one of {sorted(_BUS_POLICY_KEYS)}")
                values = condition.get("values")
                if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                    raise BusPolicyError(f"{where}: values must be a list of strings")
    return principals, buses


class _BusPolicies:
    """The statements enforced per bus and the principal ARN of each access key id; shared by the threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._principals = {}
        self._buses = {}

    def configure(self, config):
        principals, buses = _validated_bus_policies(config)
        with self._lock:
            # Copies, so a request evaluating the old ones is not affected halfway.
            self._principals = {**self._principals, **principals}
            self._buses = {**self._buses, **buses}

    def active(self):
        return any(bus.get("statements") for bus in self._buses.values())

    def snapshot(self):
        with self._lock:
            return {"principals": dict(self._principals), "buses": dict(self._buses)}

    def denial(self, access_key, entry):
        """The AccessDeniedException message for an entry a statement of its bus denies, or None."""
        principals, buses = self._principals, self._buses
        name = entry.get("EventBusName") or "default"
        arn_name = _EVENT_BUS_ARN_NAME.match(name)
        bus = buses.get(arn_name.group(1) if arn_name else name)
        if not bus:
            return None
        principal = principals.get(access_key)
        context = {
            "events:source": entry.get("Source"),
            "events:detail-type": entry.get("DetailType"),
            "aws:principalarn": principal,
        }
        for statement in bus.get("statements") or []:
            patterns = statement.get("principals")
            if patterns is not None and not (principal and any(_arn_like(p, principal) for p in patterns)):
                continue
            if all(_condition_holds(c, context) for c in statement.get("conditions") or []):
                who = principal or f"the principal of access key {access_key or '(none)'}"
                sid = f" (statement {statement['sid']})" if statement.get("sid") else ""
                # IAM's wording for an explicit deny; EventBridge answers it per entry.
                return (
                    f"User: {who} is not authorized to perform: events:PutEvents on resource: {bus['arn']} "
                    f"with an explicit deny in a resource-based policy{sid}"
                )
        return None


_bus_policies = _BusPolicies()


def _access_key(environ):
    match = _ACCESS_KEY.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match:
        return match.group(1)
    match = _QUERY_ACCESS_KEY.search(environ.get("QUERY_STRING", ""))
    return match.group(1) if match else None


def _call(app, environ, body):
    """Runs moto's app on `body`; returns its status, headers and whole answer."""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    answer = {}
    chunks = []

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, headers
        return chunks.append

    result = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return answer.get("status", "500 INTERNAL SERVER ERROR"), answer.get("headers", []), b"".join(chunks)


def _put_events(app, environ, start_response):
    """PutEvents with the bus policies applied per entry (see 4. in the module docstring)."""
    body = _request_body(environ)
    try:
        request = json.loads(body) if body else None
    except ValueError:
        request = None
    entries = request.get("Entries") if isinstance(request, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        return app(environ, start_response)  # moto reports what is malformed
    access_key = _access_key(environ)
    denials = [_bus_policies.denial(access_key, entry) for entry in entries]
    if not any(denials):
        return app(environ, start_response)

    allowed = [entry for entry, denial in zip(entries, denials) if denial is None]
    results, failed = [], 0
    headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", str(uuid.uuid4()))]
    if allowed:
        forwarded_body = json.dumps({**request, "Entries": allowed}).encode("utf-8")
        status, headers, payload = _call(app, environ, forwarded_body)
        if not status.startswith("200"):
            # A failure of the whole call (moto: a missing bus) stays one, as moto answers it.
            start_response(status, headers)
            return [payload]
        answer = json.loads(payload)
        results, failed = list(answer.get("Entries") or []), int(answer.get("FailedEntryCount") or 0)
    forwarded = iter(results)
    merged = [
        next(forwarded, {})
        if denial is None
        else {"ErrorCode": "AccessDeniedException", "ErrorMessage": denial}
        for denial in denials
    ]
    failed += sum(1 for denial in denials if denial)
    payload = json.dumps({"FailedEntryCount": failed, "Entries": merged}).encode("utf-8")
    headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
    start_response("200 OK", headers + [("Content-Length", str(len(payload)))])
    return [payload]


def _serve_bus_policy(environ, start_response):
    method = environ.get("REQUEST_METHOD")
    if method == "PUT":
        try:
            _bus_policies.configure(json.loads(_request_body(environ) or b"null"))
        except (ValueError, BusPolicyError) as err:
            body = json.dumps({"message": str(err)}).encode("utf-8")
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            start_response("400 Bad Request", headers)
            return [body]
    elif method != "GET":
        start_response("405 Method Not Allowed", [("Allow", "GET, PUT"), ("Content-Length", "0")])
        return [b""]
    body = json.dumps(_bus_policies.snapshot()).encode("utf-8")
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


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

import moto.server as _moto_server  # noqa: E402  (after the patches, so they apply to every backend)

_run_simple = _moto_server.run_simple
if not getattr(_run_simple, "counting", False):

    def _run_counting(hostname, port, application, *args, **kwargs):
        return _run_simple(hostname, port, _CountingApp(application), *args, **kwargs)

    _run_counting.counting = True
    _moto_server.run_simple = _run_counting

_moto_server.main(sys.argv[1:])
