from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView, TemplateView

admin.site.site_header = _("Processing register")
admin.site.site_title = _("Processing register")
admin.site.index_title = _("Overview")

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("verzoek/", include("requests_portal.urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.svg"), permanent=True)),
]
