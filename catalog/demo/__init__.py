"""The demo catalogue loaded by `python manage.py seed_demo`: data in data.py, the loader in seed.py."""
