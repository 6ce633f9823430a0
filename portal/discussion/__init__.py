"""A cohort's discussion: threads, a thread per lesson, moderation by the cohort's staff, and reply digests."""
