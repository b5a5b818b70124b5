from django.core.management import call_command

from registry.models import Link


def test_seed_demo_registers_demo_links_once(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    count = Link.objects.filter(is_demo=True).count()
    assert 300 <= count <= 400
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Link.objects.filter(is_demo=True).count() == count
    assert Link.objects.exclude(is_demo=True).count() == 0
