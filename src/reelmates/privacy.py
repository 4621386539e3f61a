"""What others may see of a member who keeps their taste private (``persons.private``).

The rule, enforced in the services and the engines below them so that no front end can forget it:

- Others MAY see that the member is in the group and that a film suits them: their *predicted*
  stars for a film (a model estimate) and a reason of kind ``ReasonKind.PRIVATE``, worded
  "suits Milly's taste".
- Others NEVER see which films the member rated, marked seen or put on a watchlist, nor how they
  rated them: no stars of theirs (for a film they rated, others see the prediction), no seen badge,
  no watchlist note naming them, no reason citing their films, no per-genre or per-decade
  compatibility drawn from their ratings, and none of their swipes. A film a private member has
  seen is left out of group picks, so nothing on the list gives it away.
- The member always sees all of their own: a personal pick is theirs, and a group pick shown to
  them (``GroupOptions.viewer``, also who asks in ``with``) cites their films; everyone else's
  view, and a shared screen such as the terminal, keeps the rule above.

- Over many nights, the fairness nudge (``together.turns``) reads a private member's predicted
  stars for the films watched, never their stars for them, so its turn note ("Milly's turn: the
  last three picks suited Jess better") says nothing a prediction does not; the note names
  members, never stars.

- Where a group can watch a film ("on Milly's Jellyfin", "on disc (Jess)": a member's media
  server and their own "on disc" / "on a service" marks) names the member, and only to a group
  that includes them (``services.media.available`` reads the group's own members). It says what
  they can play, never what they rated, saw or put on a watchlist: the films a private member
  has seen are still left out first, so a place shown never gives one away.

Where it is enforced: ``together.explain`` (reasons, which never even look at a private member's
films, and seen notes), ``together.masks`` (seen films left out), ``together.ranker`` (watchlist
notes), ``together.companions`` (own stars and the seen flag), ``together.swipes`` (cards never
say anything of another member's swipes or chances), ``together.turns`` (a private member's
satisfaction with past nights is the prediction); ``services.together.load_member`` reads the
stored flag, so it applies to every use.
"""

# The rule above, as a member reads it on their settings page (plain words, no code names).
MEMBER_TEXT = (
    "When your taste is private, friends you pick films with see only that a film suits you: "
    "your predicted stars and \u201csuits your taste\u201d.",
    "They never see which films you rated, have seen or put on your watchlist, nor how you "
    "rated them: no stars of yours, no seen badges, no reasons that name your films, none of "
    "your swipes. A film you have seen is quietly left out of your group's picks, so nothing "
    "gives it away.",
    "You always see all of your own.",
)


def rule_text() -> list[str]:
    """The rule as paragraphs a member reads on their settings page."""
    return list(MEMBER_TEXT)
