"""Serves one MapProxy configuration with the installed (Debian) MapProxy, for side-by-side tests.

usage: python3 mapproxy_wsgi.py <mapproxy.yaml>
Binds a free 127.0.0.1 port and prints "LISTENING <port>" once it accepts requests.
"""
import sys
import logging
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from mapproxy.wsgiapp import make_wsgi_app


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def main():
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    app = make_wsgi_app(sys.argv[1], reloader=False)
    server = make_server('127.0.0.1', 0, app, server_class=ThreadingWSGIServer, handler_class=QuietHandler)
    print('LISTENING %d' % server.server_port, flush=True)
    server.serve_forever()


if __name__ == '__main__':
    main()
