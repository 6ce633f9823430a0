"""Settings read from environment variables, one class per kind of deployment."""
import os
from collections.abc import Mapping
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("PORTAL_INSTANCE_PATH", BASE_DIR / "instance"))

#: Placeholder secret for development; production refuses to start with it.
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"
#: The development address; production refuses to start with it.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"
#: The portal's languages, the one list: interface catalogues (portal/translations), the language
#: switch, profiles, rosters and course files all offer these. Names, writing direction, digits and
#: plural rules come from Babel's locale data.
LANGUAGES = ("en", "fr", "ar", "zh", "es", "ru", "pt", "fa")


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def engine_options(environ: Mapping[str, str]) -> dict[str, object]:
    """The database pool's settings from DATABASE_POOL_RECYCLE and DATABASE_PRE_PING (see Config)."""
    return {"pool_recycle": int(environ.get("DATABASE_POOL_RECYCLE", "240")),
            "pool_pre_ping": environ.get("DATABASE_PRE_PING", "") == "1"}


class Config:
    """Settings shared by every deployment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'portal.sqlite3'}"
    )
    #: No ping before each use of a pooled connection by default: that is a round trip per request. A
    #: connection the database dropped (a restart) fails its next query, which gives that one request the
    #: 503 page, and SQLAlchemy then replaces every connection of the pool. Connections are renewed after
    #: DATABASE_POOL_RECYCLE seconds, before a firewall or load balancer drops them for being idle; where
    #: something between the portal and the database drops connections often, DATABASE_PRE_PING=1 pings.
    SQLALCHEMY_ENGINE_OPTIONS = engine_options(os.environ)
    #: Draw pages that many read alike (the lesson page) once per worker and fill in each reader's own
    #: parts (portal/shells.py); off, they are rendered in full for every request.
    PAGE_SHELLS = True
    #: On PostgreSQL, each worker keeps the sign-ins it has checked for the pages that only read, told of
    #: every change by the database (portal/accounts/identities.py): at most this many accounts.
    IDENTITY_CACHE = _flag("IDENTITY_CACHE", True)
    IDENTITY_CACHE_SIZE = int(os.environ.get("IDENTITY_CACHE_SIZE", "2000"))
    REDIS_URL = os.environ.get("REDIS_URL", "")
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    #: Begins every rate-limit key in Redis, for one Redis shared by several deployments.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "")
    #: While Redis is unreachable, keep limits in each process's memory (with a logged warning)
    #: rather than refuse every limited page; give up on a silent Redis within a second.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    #: Login attempts allowed per account and per address before a pause.
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes")
    #: Seconds between a correct password and the two-step code before the sign-in starts over.
    TWO_STEP_PENDING_SECONDS = int(os.environ.get("TWO_STEP_PENDING_SECONDS", "300"))
    #: How many reverse proxies stand in front of the portal (for the client's address).
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    PORTAL_NAME = os.environ.get("PORTAL_NAME", "STI Policy Learning Portal")
    #: The public address: every link that leaves the portal (mail, certificates) is built on it.
    PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", DEVELOPMENT_BASE_URL)
    #: Host names accepted besides PORTAL_BASE_URL's (comma-separated); other hosts get a 400.
    TRUSTED_HOSTS = [host.strip() for host in os.environ.get("TRUSTED_HOSTS", "").split(",") if host.strip()]

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _flag("MAIL_USE_TLS")
    MAIL_USE_SSL = _flag("MAIL_USE_SSL")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "portal@localhost")
    #: The domain of each Message-ID; empty: the host of PORTAL_BASE_URL. Use the sending domain.
    MAIL_DOMAIN = os.environ.get("MAIL_DOMAIN", "")
    #: Where answers to the portal's own mail go (a help desk); empty: to MAIL_DEFAULT_SENDER.
    #: Invitations from a coordinator are answered to that coordinator instead.
    MAIL_REPLY_TO = os.environ.get("MAIL_REPLY_TO", "")
    #: The envelope sender, which receives bounces; empty: MAIL_DEFAULT_SENDER.
    MAIL_BOUNCE_ADDRESS = os.environ.get("MAIL_BOUNCE_ADDRESS", "")
    MAIL_TIMEOUT = 10
    #: A message the SMTP server did not take is tried again this many times, after MAIL_RETRY_DELAY
    #: seconds, then twice as long each time (1, 2, 4, 8, 16 minutes by default).
    MAIL_RETRIES = int(os.environ.get("MAIL_RETRIES", "5"))
    MAIL_RETRY_DELAY = int(os.environ.get("MAIL_RETRY_DELAY", "60"))

    #: The task queue's storage: "sqlite" (a file, JOBS_SQLITE_PATH), "redis" (JOBS_REDIS_URL) or
    #: "memory" (tests only). Empty: redis when JOBS_REDIS_URL (or REDIS_URL) is set, else sqlite.
    JOBS_BACKEND = os.environ.get("JOBS_BACKEND", "")
    #: Redis for the queue; without JOBS_REDIS_URL, the rate limits' REDIS_URL: several machines
    #: then share one queue, which an SQLite file on one of them could not be.
    JOBS_REDIS_URL = os.environ.get("JOBS_REDIS_URL") or os.environ.get("REDIS_URL", "")
    #: The SQLite file of the queue (default: instance/jobs.sqlite3).
    JOBS_SQLITE_PATH = os.environ.get("JOBS_SQLITE_PATH", "")
    #: Threads of `flask worker` that run tasks.
    JOBS_WORKERS = int(os.environ.get("JOBS_WORKERS", "2"))
    #: A scheduled job's run that has not finished after this many seconds is taken as abandoned
    #: (its worker died) and run again; scheduled jobs are idempotent.
    JOBS_SCHEDULE_LEASE = int(os.environ.get("JOBS_SCHEDULE_LEASE", "3600"))
    #: Runs that ended (done, or failed: a failed mail keeps its message for trying again) are kept
    #: and listed on the admins' page for this many days; claims of deliveries are kept as long (two days at least).
    JOBS_KEEP_DAYS = int(os.environ.get("JOBS_KEEP_DAYS", "30"))

    PASSWORD_MIN_LENGTH = 10
    PASSWORD_RESET_MAX_AGE = int(os.environ.get("PASSWORD_RESET_MAX_AGE", "3600"))
    INVITATION_MAX_AGE = int(os.environ.get("INVITATION_MAX_AGE", str(14 * 86400)))
    #: How long the link that confirms a new account's address works, in seconds.
    EMAIL_CONFIRMATION_MAX_AGE = int(os.environ.get("EMAIL_CONFIRMATION_MAX_AGE", str(2 * 86400)))
    #: argon2id cost: RFC 9106's second recommended option by default.
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536

    LANGUAGES = list(LANGUAGES)
    BABEL_DEFAULT_LOCALE = "en"
    #: The longest text a trainee may type for an assignment, and how many submissions a page of the review queue lists.
    ASSIGNMENT_MAX_TEXT_CHARS = 100_000
    ASSIGNMENT_QUEUE_SIZE = int(os.environ.get("ASSIGNMENT_QUEUE_SIZE", "50"))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(50 * 1024 * 1024)))

    #: Course uploads: the request size above (413), then files and unpacked bytes in a zip.
    COURSE_MAX_FILES = int(os.environ.get("COURSE_MAX_FILES", "500"))
    COURSE_MAX_UNPACKED_BYTES = int(os.environ.get("COURSE_MAX_UNPACKED_BYTES", str(200 * 1024 * 1024)))
    #: The largest GIFT or Aiken question file, uploaded alone or in a module folder.
    QUIZ_FILE_MAX_BYTES = int(os.environ.get("QUIZ_FILE_MAX_BYTES", str(2 * 1024 * 1024)))
    #: Where course files, media and uploads are kept: "local" (a folder) or "s3" (an object store).
    STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local")
    #: The local backend's folder, files kept by their hash (default: instance/course-files).
    COURSE_FILES_PATH = os.environ.get("COURSE_FILES_PATH", "")
    #: The S3 backend: any S3-compatible store. Without keys, boto3 finds credentials itself (instance role).
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
    S3_BUCKET = os.environ.get("S3_BUCKET", "")
    S3_REGION = os.environ.get("S3_REGION", "")
    S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID", "")
    S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY", "")
    #: Keys begin with this (for one bucket shared with other uses), e.g. "portal/".
    S3_PREFIX = os.environ.get("S3_PREFIX", "")
    #: "path" for stores reached by address rather than by bucket host name (MinIO, Ceph); "auto" otherwise.
    S3_ADDRESSING_STYLE = os.environ.get("S3_ADDRESSING_STYLE", "auto")
    #: Media reach browsers by a redirect to a signed address ("redirect") or through the portal ("stream").
    S3_MEDIA_DELIVERY = os.environ.get("S3_MEDIA_DELIVERY", "redirect")
    #: How long a signed address works, in seconds.
    S3_URL_SECONDS = int(os.environ.get("S3_URL_SECONDS", "3600"))
    #: Folder of sample courses that `flask setup` imports in development.
    SAMPLE_COURSES_PATH = str(BASE_DIR / "courses")
    #: A lesson whose `reviewed` date is older than this many months (or missing) is flagged on "My teaching".
    LESSON_REVIEW_MONTHS = int(os.environ.get("LESSON_REVIEW_MONTHS", "12"))

    #: The Ed25519 key that signs certificates (created in the instance folder when unset).
    ISSUER_KEY_PATH = os.environ.get("ISSUER_KEY_PATH", "")
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "30 per minute")
    #: Minutes after a live session's end during which its check-in code is still taken.
    CHECK_IN_GRACE_MINUTES = int(os.environ.get("CHECK_IN_GRACE_MINUTES", "10"))
    #: Check-in attempts one person may make, so that a code cannot be guessed.
    CHECK_IN_LIMIT = os.environ.get("CHECK_IN_LIMIT", "10 per 10 minutes")
    #: The largest attendance report uploaded (a meeting of 5,000 participants takes about 300 kB).
    ATTENDANCE_REPORT_MAX_BYTES = int(os.environ.get("ATTENDANCE_REPORT_MAX_BYTES", "400000"))
    #: Rows on one page of a long list (users, audit log, cohorts); the pager links to the others.
    PAGE_SIZE = 50
    #: Cohort discussions: the longest post (characters), how long its author may edit it (minutes),
    #: posts on one page of a thread, and how often one person may post.
    DISCUSSION_POST_MAX_LENGTH = int(os.environ.get("DISCUSSION_POST_MAX_LENGTH", "10000"))
    DISCUSSION_EDIT_MINUTES = int(os.environ.get("DISCUSSION_EDIT_MINUTES", "30"))
    DISCUSSION_POSTS_PER_PAGE = int(os.environ.get("DISCUSSION_POSTS_PER_PAGE", "100"))
    DISCUSSION_POST_RATE_LIMIT = os.environ.get("DISCUSSION_POST_RATE_LIMIT", "10 per minute;60 per hour")
    #: Live sessions: how many upcoming ones "My learning" lists, and the largest captions file accepted.
    LIVE_DASHBOARD_SESSIONS = int(os.environ.get("LIVE_DASHBOARD_SESSIONS", "5"))
    CAPTIONS_MAX_BYTES = int(os.environ.get("CAPTIONS_MAX_BYTES", str(1024 * 1024)))
    #: The follow-up survey is mailed this many days after a trainee completes a course (about six months),
    #: to completions of at most this many days more: a course completed years ago is not asked about.
    SURVEY_FOLLOW_UP_DAYS = int(os.environ.get("SURVEY_FOLLOW_UP_DAYS", "182"))
    SURVEY_FOLLOW_UP_WINDOW_DAYS = int(os.environ.get("SURVEY_FOLLOW_UP_WINDOW_DAYS", "60"))
    #: The recipient's name in each credential: plain by default, or a salted SHA-256 hash.
    CREDENTIAL_NAME_HASHED = _flag("CREDENTIAL_NAME_HASHED")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    CREATE_DEMO_ACCOUNTS = False
    LOAD_SAMPLE_COURSES = False
    #: Register the `flask db` commands outside the flask command too (they always are under it).
    MIGRATION_COMMANDS = _flag("MIGRATION_COMMANDS")


class DevelopmentConfig(Config):
    """Local use: SQLite in the instance folder, demo accounts and sample courses, mail to the log."""

    DEBUG = False
    CREATE_DEMO_ACCOUNTS = True
    LOAD_SAMPLE_COURSES = True


class TestingConfig(Config):
    """The test suite: a throwaway database, cheap password hashing."""

    TESTING = True
    SECRET_KEY = "testing-secret"
    PORTAL_BASE_URL = "http://localhost"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_SERVER = ""
    #: Tasks wait in memory until the test runs them (portal.mail.wait_for_mail, portal.jobs.queue.run_queued).
    JOBS_BACKEND = "memory"
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    CREATE_DEMO_ACCOUNTS = True
    MIGRATION_COMMANDS = True
    #: A change to an account reaches the kept sign-ins a moment after its commit: the tests that need
    #: them turn them on (tests/test_identities.py).
    IDENTITY_CACHE = False


class ProductionConfig(Config):
    """A real deployment: PostgreSQL, Redis, HTTPS-only cookies, a real secret."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None = None) -> type[Config]:
    """The settings class for PORTAL_ENV (development unless said otherwise)."""
    name = (name or os.environ.get("PORTAL_ENV", "development")).lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"PORTAL_ENV={name!r} is unknown; use one of {', '.join(CONFIGS)}."
        ) from None
