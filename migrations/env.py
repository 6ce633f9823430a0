import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
# Keep the portal's own loggers working when migrations run inside its process (tests, `flask db`).
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger('alembic.env')


def get_engine():
    return current_app.extensions['migrate'].db.engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace(
            '%', '%%')
    except AttributeError:
        return str(get_engine().url).replace('%', '%%')


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option('sqlalchemy.url', get_engine_url())
target_db = current_app.extensions['migrate'].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def render_item(type_, obj, autogen_context):
    """Write the portal's column types as plain SQLAlchemy ones, so migrations import nothing of it."""
    from portal.db_types import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def get_metadata():
    if hasattr(target_db, 'metadatas'):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = current_app.extensions['migrate'].configure_args
    conf_args.setdefault("render_item", render_item)
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # The portal enforces foreign keys on SQLite. A migration may rebuild a table there (copy, drop,
            # rename), and dropping it with foreign keys on would delete, by cascade, every row that refers
            # to it. SQLite ignores the pragma inside a transaction: it is set before the migrations' one,
            # and read back.
            if connection.connection.dbapi_connection.in_transaction:
                raise RuntimeError("The SQLite connection is in a transaction, where foreign keys cannot be turned "
                                   "off: a migration that rebuilds a table would delete the rows that refer to it. "
                                   "Nothing was migrated.")
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            still_on = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
            connection.commit()
            if still_on:
                raise RuntimeError("SQLite kept foreign keys on: a migration that rebuilds a table would delete "
                                   "the rows that refer to it. Nothing was migrated.")
        try:
            context.configure(
                connection=connection,
                target_metadata=get_metadata(),
                **conf_args
            )

            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                _report_broken_references(connection)
        finally:
            if sqlite:
                # The connection goes back to the pool: with the check on again, as every connection has it.
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys = ON")
                connection.commit()


def _report_broken_references(connection):
    """Rows that still refer to a row that is not there once the migrations ran (0029 gives those under a
    CASCADE or SET NULL rule what the rule says; a reference with no rule has nothing to follow): logged,
    never deleted."""
    broken = {}
    for table, *_ in connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall():
        broken[table] = broken.get(table, 0) + 1
    if broken:
        logger.warning("Rows referring to rows that no longer exist (left as they are): %s",
                       ", ".join(f"{table}: {count}" for table, count in sorted(broken.items())))


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
