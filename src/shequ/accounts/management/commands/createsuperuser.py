from typing import Any

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "shequ has no superuser; use `shequ manage create_admin`."

    def handle(self, *args: Any, **options: Any) -> None:
        raise CommandError(
            "shequ 没有超级用户（三员分立）。请用 `shequ manage create_admin --role security_admin …` "
            "创建安全管理员，再由其在管理后台创建其他账号。"
        )
