"""The living-circle standard the platform starts with (editable afterwards by a city official).

Circles from GB 50180-2018《城市居住区规划设计标准》 (5-, 10- and 15-minute circles at about 300, 500 and
1000 m on foot), the rural 3 km circle, and the 一刻钟养老服务圈 for elderly care. The categories each
circle requires follow the standard's facility lists as far as the platform's categories name them; a
city changes them on the standard page.
"""

from django.db import migrations

TIERS = [
    # code, name, name_en, applies_to, service_radius_m, minutes, basis, order, categories
    ("five_minute", "五分钟生活圈", "5-minute circle", "urban", 300, 5, "GB 50180-2018", 10,
     ["community_service_station", "elderly_day_care", "kindergarten", "health_station", "convenience_shop",
      "sports"]),
    ("ten_minute", "十分钟生活圈", "10-minute circle", "urban", 500, 10, "GB 50180-2018", 20,
     ["market", "culture", "meal_point", "childcare"]),
    ("fifteen_minute", "十五分钟生活圈", "15-minute circle", "urban", 1000, 15, "GB 50180-2018", 30,
     ["community_service_center", "nursing_home", "employment", "disability_home", "social_work", "police_room",
      "shelter"]),
    ("rural_3km", "农村3公里生活圈", "Rural 3 km circle", "rural", 3000, None,
     "徐州市城乡社区服务体系建设三年行动计划", 40,
     ["community_service_station", "health_station", "convenience_shop", "elderly_day_care", "kindergarten",
      "culture"]),
    ("elderly_quarter_hour", "一刻钟养老服务圈", "Quarter-hour elderly-care circle", "all", 1000, 15,
     "民政部 一刻钟养老服务圈", 50,
     ["elderly_day_care", "meal_point"]),
]  # fmt: skip


def create(apps, schema_editor):
    LivingCircle = apps.get_model("facilities", "LivingCircle")
    CircleRequirement = apps.get_model("facilities", "CircleRequirement")
    for code, name, name_en, applies_to, distance, minutes, basis, order, categories in TIERS:
        circle, _ = LivingCircle.objects.get_or_create(
            code=code,
            defaults={
                "name": name, "name_en": name_en, "applies_to": applies_to, "service_radius_m": distance,
                "minutes": minutes, "basis": basis, "order": order,
            },
        )  # fmt: skip
        for category in categories:
            CircleRequirement.objects.get_or_create(circle=circle, category=category)


def remove(apps, schema_editor):
    apps.get_model("facilities", "LivingCircle").objects.filter(
        code__in=[t[0] for t in TIERS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("facilities", "0001_facilities")]
    operations = [migrations.RunPython(create, remove)]
