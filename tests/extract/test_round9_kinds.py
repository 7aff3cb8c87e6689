"""Round 9's kinds of miss (issue 19), each as a small page built like the kind (not a copy
of any saved page)."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.extract.announcements import read_announcements

FETCHED_AT = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)


def test_a_person_s_profile_link_on_a_line_of_its_own_is_no_title() -> None:
    """Posts with no heading: a picture and the title's link, then a byline whose author
    portrait links the author's profile page in its own <div>, in longer words than the
    title. The title is the post's; the profile names a person (it won, being the only
    link on a line of its own)."""
    url = "https://lab.example.org/news/"
    posts = "".join(
        f"<div class='post-excerpt'><a href='/{day}/{slug}.html'><img src='/i.jpg' alt=''></a>"
        f"<div class='text'><a href='/{day}/{slug}.html'>{title}</a>"
        f"<div class='info'><div class='portrait'><a href='/members/{who}.html'>"
        f"<img src='/p.jpg' alt=''><span>Prof. Dr. {who.title()} Example</span><span>Chair</span></a></div>"
        f"<span>{date}</span></div><p>A few words on what happened in the group.</p></div></div>"
        for day, slug, title, who, date in [
            ("2025/08/19", "new-members", "New members", "miller", "August 19, 2025"),
            ("2024/08/26", "welcome", "Welcome", "jones", "August 26, 2024"),
            ("2024/07/03", "new-website", "Our new website", "miller", "July 03, 2024"),
        ]
    )
    html = f"<html lang='en'><body><main><h1>News</h1>{posts}</main></body></html>"
    found = read_announcements(html, url, language=None, fetched_at=FETCHED_AT)
    assert [(a.title, a.url) for a in found.items] == [
        ("New members", "https://lab.example.org/2025/08/19/new-members.html"),
        ("Welcome", "https://lab.example.org/2024/08/26/welcome.html"),
        ("Our new website", "https://lab.example.org/2024/07/03/new-website.html"),
    ]
