"""Users, roles, sign-up, login, password reset, profile and the admin of users."""
