from rest_framework import serializers

from accounts.models import Agency, Region, User


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "iso_code", "kind", "name_ru", "name_kk", "name_en"]


class AgencySerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="iso_code", read_only=True)
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Agency
        fields = [
            "id",
            "code",
            "name_ru",
            "name_kk",
            "name_en",
            "kind",
            "level",
            "region",
            "parent",
            "is_active",
        ]


class UserSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "position",
            "agency",
            "roles",
            "is_active",
        ]

    def get_roles(self, obj) -> list[str]:
        return sorted(obj.roles)
