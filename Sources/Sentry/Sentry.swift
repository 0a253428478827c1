// Sentry
