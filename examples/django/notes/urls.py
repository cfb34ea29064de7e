from django.urls import path

from . import views

app_name = 'notes'
urlpatterns = [
    path('', views.index, name='index'),
    path('new/', views.new, name='new'),
    path('<int:pk>/', views.detail, name='detail'),
    path('<int:pk>/attachment/', views.attachment, name='attachment'),
    path('countdown/', views.countdown, name='countdown'),
]
