"""Flask extensions, created once here and bound to the app in create_app()."""
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from moderation.db import NAMING_CONVENTION, Base, db  # noqa: F401  (re-exported)

# Batch mode lets Alembic alter SQLite tables (it recreates them); PostgreSQL is unaffected.
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
