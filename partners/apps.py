from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Organizations and access"

    def ready(self) -> None:
        from partners.roles import staff_groups_sync

        # Groups reference permissions, which exist only after every app migrated.
        post_migrate.connect(staff_groups_sync, dispatch_uid="partners.staff_groups_sync")
