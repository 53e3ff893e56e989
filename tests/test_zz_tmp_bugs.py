from test_responses import *  # noqa
from consult.responses import service as rs
from consult.models import Comment, Consultation

def test_bugs(app, world):
    ids = world["ids"]
    with app.app_context():
        s = db.session
        c = s.scalar(select(Consultation).where(Consultation.slug == "parking"))
        a = rs.create_theme(s, c, "A", 1); b = rs.create_theme(s, c, "B", 1); z = rs.create_theme(s, c, "Z", 1)
        rs.assign(s, a, [ids["ann"]], 1); s.flush()
        rs.merge_themes(s, a, b, 1); s.flush()
        # merge into a retired theme: allowed
        rs.assign(s, z, [ids["bob"]], 1); s.flush()
        try:
            rs.merge_themes(s, z, a, 1); s.flush()
            print("BUG c: merged into retired theme; bob uncounted?", ids["bob"] in [x.id for x in rs.uncounted(s, c)],
                  "in report?", [ (r.theme.title, r.comments) for r in rs.report(s, c)])
        except rs.ResponseError as e:
            print("ok c", e)
        # assign after withdrawal -> report still counts
        rs.assign(s, b, [ids["cat"]], 1); s.flush()
        s.get(Comment, ids["cat"]).status = "withdrawn"; s.flush()
        print("BUG b: report counts", [(r.theme.title, r.comments) for r in rs.report(s, c)])
        try:
            rs.merge_themes(s, b, rs.create_theme(s, c, "Q", 1), 1); print("merge ok")
        except rs.ResponseError as e:
            print("BUG b2: merge refused:", e.message)
        # unchanged paragraph "edited"
        s.rollback()
