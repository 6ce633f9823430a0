"""Background jobs: a task queue (huey) beside the web processes, scheduled jobs, exactly-once deliveries.

The queue keeps slow work (mail, digests, reminders) out of requests. Its storage is an SQLite file in
the instance folder by default, so `make run` needs nothing but Python, or Redis when JOBS_REDIS_URL
(or REDIS_URL) is set, so that several machines share one queue. `flask worker` runs the consumer."""
