"""The moderation area of the site: queue views, and the glue that applies decisions."""
