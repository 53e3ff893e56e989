"""Flask extensions, created once here and bound to the app in create_app()."""
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from moderation.db import Base

# Flask-SQLAlchemy copies Base's registry and metadata into db.Model, so consult's models
# (db.Model) and moderation's (Base, no Flask) map into one schema that db.create_all() and
# Alembic see whole.
db = SQLAlchemy(model_class=Base)
# Batch mode lets Alembic alter SQLite tables (it recreates them); PostgreSQL is unaffected.
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
