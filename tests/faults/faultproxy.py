"""faultproxy.py: a loopback TCP proxy in front of PostgreSQL that injects network faults.

pgward connects to host=127.0.0.1 port=proxy.port; every connection is forwarded to
the server's unix socket (or a TCP address). The proxy frames the PostgreSQL v3
protocol in both directions (the client's untyped startup packets first, an
SSLRequest or GSSENCRequest answered 'N' by the proxy itself, then a type byte and an
int32 length per message), so a fault lands on a message boundary, and keeps
forwarding byte for byte otherwise.

Faults are rules the test switches at run time; each is checked, in order, against
every client message (kind, text) -- text is the SQL of a Query ('Q') or Parse ('P'),
else b"" -- on the proxy's thread, so a stateful predicate sees messages in the order
the client sent them:

  drop_and_close(pred)     the matching message is not forwarded; its connection is
                           closed on both sides
  drop_and_hole(pred)      the matching message is not forwarded; its connection is
                           black-holed (nothing more forwarded either way, sockets open)
  drop_reply_and_close(pred)
                           the matching message is forwarded, the server's answer to it
                           (everything after the answers to earlier messages, up to the
                           ReadyForQuery that ends it) is dropped, then both sides closed
  blackhole()              every connection, current and new, forwards nothing either way
  close_all()              every connection is closed on both sides now
  passthrough()            no rule (the default)

A rule fires once. wait_seen(pred) waits (bounded) until a client message matching
pred has been seen; wait_fired() until the rule fired; wait_server_gone(), until every
upstream socket is closed. delivered counts the command tags (CommandComplete) that
reached the client, e.g. delivered["INSERT 0 1"]. close() stops everything and joins
the threads.
Python 3 standard library only.
"""

import collections
import socket
import threading
import time

SSL_REQUEST, GSS_REQUEST, CANCEL_REQUEST = 80877103, 80877104, 80877102


class ProxyError(Exception):
    pass


def sql_of(kind, body):
    """The SQL text of a Query or Parse message, else b""."""
    if kind == b"Q":
        return body[:-1] if body.endswith(b"\0") else body
    if kind == b"P":
        parts = body.split(b"\0", 2)
        return parts[1] if len(parts) > 1 else b""
    return b""


def is_sql(pattern):
    """A predicate: the message's SQL, stripped and upper-cased, equals pattern."""
    want = pattern.strip().upper().encode()

    def pred(kind, text):
        return text.strip().rstrip(b";").strip().upper() == want
    return pred


def contains(fragment):
    """A predicate: the message's SQL contains fragment."""
    want = fragment.encode()

    def pred(kind, text):
        return want in text
    return pred


def after(first, then):
    """A predicate: a message matching `then` after one matching `first` was seen."""
    state = {"armed": False}

    def pred(kind, text):
        if state["armed"] and then(kind, text):
            return True
        if first(kind, text):
            state["armed"] = True
        return False
    return pred


class _Conn:
    """One client connection and its upstream socket."""

    def __init__(self, proxy, client, server):
        self.proxy = proxy
        self.client = client
        self.server = server
        self.holed = False
        self.closed = False
        self.z_sent = 1          # ReadyForQuery answers the client has asked for (startup: 1)
        self.z_seen = 0          # ReadyForQuery messages the server sent
        self.drop_from_z = None  # drop server messages after this many 'Z', close at the next
        self.freeze_client = False  # reply-close: forward nothing after the matched exchange
        self.frozen = False
        self.server_done = False

    def shut(self):
        with self.proxy.cond:
            if self.closed:
                return
            self.closed = True
        for s in (self.client, self.server):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass


class FaultProxy:
    def __init__(self, upstream):
        """upstream: a unix socket path, or a (host, port) pair."""
        self.upstream = upstream
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(32)
        self.lsock.settimeout(0.2)  # the acceptor looks at self.stopping this often
        self.port = self.lsock.getsockname()[1]
        self.cond = threading.Condition()
        self.conns = []
        self.threads = []
        self.rule = None          # (action, pred)
        self.fired = []           # (action, text) of rules that fired
        self.seen = []            # (kind, text) of every client message, in order
        self.delivered = collections.Counter()  # command tags the client received
        self.all_holed = False
        self.stopping = False
        self.errors = []
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    # ------------------------------------------------------------ controls

    def _set(self, action, pred):
        with self.cond:
            self.rule = (action, pred)

    def passthrough(self):
        with self.cond:
            self.rule = None

    def drop_and_close(self, pred):
        self._set("drop-close", pred)

    def drop_and_hole(self, pred):
        self._set("drop-hole", pred)

    def drop_reply_and_close(self, pred):
        self._set("reply-close", pred)

    def blackhole(self):
        with self.cond:
            self.all_holed = True
            for c in self.conns:
                c.holed = True
            self.cond.notify_all()

    def close_all(self):
        with self.cond:
            conns = list(self.conns)
            self.all_holed = True  # a reconnect finds the network still down
        for c in conns:
            c.shut()
        with self.cond:
            self.cond.notify_all()

    def heal(self):
        """New connections are forwarded again (after blackhole or close_all)."""
        with self.cond:
            self.all_holed = False

    def _wait(self, cond, timeout, what):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not cond():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ProxyError("proxy: timed out after %gs waiting for %s" % (timeout, what))
                self.cond.wait(left)

    def wait_seen(self, pred, timeout, what="a message"):
        """Waits until a client message matching pred has been seen (forwarded or not)."""
        self._wait(lambda: any(pred(k, t) for k, t in self.seen), timeout, what)

    def wait_fired(self, timeout):
        self._wait(lambda: bool(self.fired), timeout, "the fault to fire")

    def wait_server_gone(self, timeout):
        self._wait(lambda: all(c.closed or c.server_done for c in self.conns), timeout,
                   "every upstream connection to end")

    def close(self, timeout=10.0):
        with self.cond:
            self.stopping = True
        self.close_all()
        self.acceptor.join(timeout)
        with self.cond:
            threads = list(self.threads)
        for t in threads:
            t.join(timeout)
        alive = [t for t in threads if t.is_alive()] + (
            [self.acceptor] if self.acceptor.is_alive() else [])
        try:
            self.lsock.close()
        except OSError:
            pass
        if alive:
            raise ProxyError("proxy: %d threads did not end within %gs" % (len(alive), timeout))

    # ------------------------------------------------------------ forwarding

    def _accept(self):
        while True:
            with self.cond:
                if self.stopping:
                    return
            try:
                client, _ = self.lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                if isinstance(self.upstream, str):
                    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                else:
                    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                server.connect(self.upstream)
            except OSError as e:
                with self.cond:
                    self.errors.append("proxy: cannot reach the server: %s" % e)
                client.close()
                continue
            c = _Conn(self, client, server)
            with self.cond:
                c.holed = self.all_holed
                self.conns.append(c)
                t1 = threading.Thread(target=self._client_side, args=(c,), daemon=True)
                t2 = threading.Thread(target=self._server_side, args=(c,), daemon=True)
                self.threads += [t1, t2]
            t1.start()
            t2.start()

    @staticmethod
    def _send(sock, data):
        try:
            sock.sendall(data)
        except OSError:
            pass

    def _client_side(self, c):
        buf = bytearray()
        startup = True
        try:
            while True:
                data = c.client.recv(65536)
                if not data:
                    break
                buf += data
                while True:
                    if startup:
                        if len(buf) < 8:
                            break
                        n = int.from_bytes(buf[0:4], "big")
                        if len(buf) < n:
                            break
                        code = int.from_bytes(buf[4:8], "big")
                        msg = bytes(buf[:n])
                        del buf[:n]
                        if code in (SSL_REQUEST, GSS_REQUEST):
                            self._send(c.client, b"N")  # no encryption: we frame plaintext
                            continue
                        if code != CANCEL_REQUEST:
                            startup = False
                        if not c.holed:
                            self._send(c.server, msg)
                        continue
                    if len(buf) < 5:
                        break
                    n = int.from_bytes(buf[1:5], "big")
                    if len(buf) < 1 + n:
                        break
                    kind, body = bytes(buf[0:1]), bytes(buf[5:1 + n])
                    msg = bytes(buf[:1 + n])
                    del buf[:1 + n]
                    self._client_message(c, kind, body, msg)
        except OSError:
            pass
        finally:
            if not c.holed:
                c.shut()

    def _client_message(self, c, kind, body, msg):
        text = sql_of(kind, body)
        action = None
        with self.cond:
            self.seen.append((kind, text))
            if self.rule and not c.holed and not c.closed:
                act, pred = self.rule
                if pred(kind, text):
                    action = act
                    self.rule = None
                    self.fired.append((act, text))
            self.cond.notify_all()
        if c.holed or c.closed or c.frozen:
            return
        if action == "drop-close":
            c.shut()
            return
        if action == "drop-hole":
            c.holed = True
            return
        if action == "reply-close":
            with self.cond:
                c.drop_from_z = c.z_sent
                c.freeze_client = True
        self._send(c.server, msg)
        if kind in (b"Q", b"S"):
            with self.cond:
                c.z_sent += 1
                # the matched message's exchange ends here: what the client sends after
                # it must not reach the server (it would run where we cut the line)
                c.frozen = c.freeze_client

    def _server_side(self, c):
        buf = bytearray()
        try:
            while True:
                data = c.server.recv(65536)
                if not data:
                    break
                if c.holed:
                    continue
                buf += data
                out = bytearray()
                close_now = False
                while len(buf) >= 5:
                    # a lone 'N' answers an SSLRequest only from the proxy, never here
                    n = int.from_bytes(buf[1:5], "big")
                    if len(buf) < 1 + n:
                        break
                    msg = bytes(buf[:1 + n])
                    del buf[:1 + n]
                    with self.cond:
                        dropping = c.drop_from_z is not None and c.z_seen >= c.drop_from_z
                        if msg[0:1] == b"Z":
                            c.z_seen += 1
                            if dropping:
                                close_now = True
                    if not dropping:
                        out += msg
                        if msg[0:1] == b"C":
                            with self.cond:
                                self.delivered[msg[5:].rstrip(b"\0").decode()] += 1
                    if close_now:
                        break
                if out:
                    self._send(c.client, bytes(out))
                if close_now:
                    c.shut()
                    break
        except OSError:
            pass
        finally:
            with self.cond:
                c.server_done = True
                self.cond.notify_all()
            if not c.holed:
                c.shut()
