"""What gunicorn serves: `gunicorn wsgi:app`.

Behind a reverse proxy set PROXY_FIX_X_FOR (create_app then applies Werkzeug's ProxyFix), so
that throttling sees each client's address rather than the proxy's: see docs/deploy.md.
"""
from consult import create_app

app = create_app()
