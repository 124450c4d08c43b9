"""Base web views: health check, dashboard, sign-in page shell, error pages."""
