from django.urls import path

from issues import feeds, views

app_name = "issues"

urlpatterns = [
    path("", views.issue_list, name="list"),
    path("new/", views.issue_raise, name="raise"),
    path("new/receipt/", views.issue_receipt, name="receipt"),
    path("similar/", views.issue_similar, name="similar"),
    path("follow/", views.issue_follow, name="follow"),
    path("follow/update/", views.issue_follow_update, name="follow_update"),
    path("feed/<str:token>/", feeds.IssueStoryFeed(), name="feed"),
    path("<int:pk>/", views.issue_detail, name="detail"),
    path("<int:pk>/similar/", views.issue_similar_to, name="similar_to"),
    path("<int:pk>/edit/", views.issue_edit, name="edit"),
    path("<int:pk>/support/", views.issue_support, name="support"),
    path("<int:pk>/follow/", views.issue_follow_toggle, name="follow_issue"),
    path("<int:pk>/comments/", views.comment_post, name="comment"),
    path("<int:pk>/manage/", views.issue_manage, name="manage"),
    path("<int:pk>/status/", views.issue_set_status, name="set_status"),
    path("<int:pk>/merge/", views.issue_merge, name="merge"),
    path("<int:pk>/hide/", views.issue_hide, name="hide"),
    path("comments/<int:pk>/hide/", views.comment_hide, name="comment_hide"),
]
