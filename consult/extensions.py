"""Flask extensions, created once here and bound to the app in create_app()."""
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from moderation.db import Base

# Built on Base so that db.metadata is Base.metadata: every model, consult's and moderation's,
# subclasses Base directly (not db.Model, which type checkers cannot see as a class), and
# db.create_all() and Alembic see the whole schema.
db = SQLAlchemy(model_class=Base)
# Batch mode lets Alembic alter SQLite tables (it recreates them); PostgreSQL is unaffected.
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
