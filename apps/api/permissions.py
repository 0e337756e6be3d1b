"""Who may do what: anyone may read; a write needs the model's add, change or delete permission."""

from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissionsOrAnonReadOnly


class ReadOrModelPermissions(DjangoModelPermissionsOrAnonReadOnly):
    """DRF's DjangoModelPermissionsOrAnonReadOnly, answering a read at once: for GET, HEAD and
    OPTIONS it requires no permission (its perms_map lists none), yet builds the view's
    queryset on every request only to learn the model."""

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or super().has_permission(request, view)
