"""Outgoing mail: message templates, the candidate's .ics invitation, composing and sending.

Import from the modules (this package stays empty so that importing templates
does not load icalendar and smtplib). A mail is made in steps, each usable alone::

    from panelist.mail.templates import render_template, message_context
    from panelist.mail.ics import interview_ics
    from panelist.mail.message import compose
    from panelist.mail.transport import transport_from_settings

    rendered = render_template(template.subject, template.body, message_context(...))
    ics = interview_ics(method="REQUEST", uid=..., sequence=..., stamp=clock.now(), ...)
    message = compose(sender=..., to=[(name, email)], subject=rendered.subject,
                      text=rendered.text, html=rendered.html, ics=ics,
                      message_id_key=..., date=clock.now())
    transport_from_settings(db).send(message)

Pure core: no Textual and no plugin import.
"""
