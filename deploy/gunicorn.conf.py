"""gunicorn in production: `gunicorn --config deploy/gunicorn.conf.py` (README, "Deployment").

The workers are gunicorn's asyncio ASGI workers serving kibernadzor.asgi: a request's body is
read by the event loop before Django sees the request, so a client that sends slowly costs a
socket and a coroutine, not a worker. With sync (or gthread) workers each slow upload holds a
worker (or thread) until its last byte: 20 clients sending 388 KB at 1 KB/s held every worker,
and /healthz took 37 s (issue 19). Django runs the views of one worker in one thread, so a
worker serves one view at a time, as a sync worker does; WEB_CONCURRENCY workers serve that many
at once.

The reverse proxy in front (deploy/nginx/kibernadzor.conf) buffers request bodies too, and
terminates TLS; this configuration keeps the web tier up if a request reaches gunicorn
directly (a health probe, a proxy set up without buffering).
"""

import multiprocessing
import os

wsgi_app = "kibernadzor.asgi:application"
worker_class = "asgi"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Open connections per worker, slow ones included; past it new ones wait in the listen backlog.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", 1000))
# A worker whose event loop is blocked this long is killed and replaced. A long view does not
# block the loop (views run in their own thread); nginx's proxy_read_timeout (75 s) bounds how
# long a client waits for one.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# X-Forwarded-* only from the proxy on this host (the proxy sets them; clients cannot).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
