"""The WSGI entry point: `gunicorn wsgi:app`."""
import gc

from portal import create_app

app = create_app()
# What start-up built (modules, the URL map, SQLAlchemy's mappings) lives as long as the process: moved out
# of the collector's reach, a full collection no longer walks it, which kept some requests waiting.
gc.freeze()
