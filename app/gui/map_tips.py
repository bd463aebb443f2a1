"""The map's tooltips: what a point, a route or a trouble mark is, and what passes next."""

from __future__ import annotations

from app.core import timefmt
from app.gui import display
from app.gui.map_style import PICK_PX, title
from app.gui.map_tools import pixels_to_metres


class MapTips:
    """Mixin of `MapView`: hover texts."""

    def route_tip(self, x: float, y: float) -> str:
        """The movement whose route is under (x, y): name, status, priority and conflicts."""
        if not self._checked("routes") or self._point_near(x, y) is not None:
            return ""  # a point's own tooltip shows there
        found = self.route_layer.feature_at(x, y, pixels_to_metres(self.view_box, PICK_PX))
        route = self._route_by_id.get(found) if found is not None else None
        if route is None:
            return ""
        lines = [route.name, f"{title(route.status)}, {route.priority} priority"]
        if self.plans is not None:
            conflicts = self.plans.conflicts_of(route.id)
            if conflicts:
                lines.append(f"{len(conflicts)} conflict{'s' if len(conflicts) > 1 else ''}")
            plan = self.plans.plans.get(route.id)
            if plan is not None:
                lines.append(f"{plan.route.length_km:,.0f} km, "
                             f"{timefmt.short(plan.forecast.serials[0].start)} → "
                             f"{timefmt.short(plan.forecast.serials[-1].release)}"
                             if plan.forecast.serials else f"{plan.route.length_km:,.0f} km")
        return "\n".join(lines)

    def _show_route_tip(self) -> None:
        from PySide6.QtGui import QCursor
        from PySide6.QtWidgets import QToolTip

        if self._hover_at is None:
            return
        text = self.route_tip(*self._hover_at)
        if text:
            QToolTip.showText(QCursor.pos(), text, self.plot)

    # Tooltips --------------------------------------------------------------------------

    def point_tip(self, index: int) -> str:
        """Name, kind, position (MGRS and lat/lon), limits, capacity and next passages."""
        pid = self.point_data.ids[index]
        rec = self._point_records.get(pid, {})
        lines = [rec.get("name") or "", title(rec.get("kind") or "")]
        x, y = self.point_data.x[index], self.point_data.y[index]
        lines.append(self.position_text(x, y).replace("    ", "\n"))
        limits = []
        if rec.get("mlc_tracked") is not None:
            limits.append(f"MLC {display.number(rec['mlc_tracked'])} tracked")
        if rec.get("mlc_wheeled") is not None:
            limits.append(f"MLC {display.number(rec['mlc_wheeled'])} wheeled")
        if limits:
            lines.append(", ".join(limits))
        if rec.get("capacity_per_hour"):
            lines.append(f"Capacity {rec['capacity_per_hour']} vehicles an hour")
        lines += self._next_passages(pid)
        return "\n".join(line for line in lines if line)

    def _next_passages(self, point_id: str, limit: int = 3) -> list[str]:
        if self.plans is None:
            return []
        now = self.time_cursor.time
        coming = sorted((row.head_arrive, plan.movement_id, row.serial)
                        for plan in self.plans.plans.values() for row in plan.forecast.rows
                        if row.point_id == point_id and (now is None or row.tail_clear >= now)
                        and self._status(plan.movement_id) != "cancelled")  # fmt: skip
        if not coming:
            return ["No passage planned from the time shown"]
        out = ["Next passages:"]
        for at, mid, serial in coming[:limit]:
            out.append(f"  {timefmt.short(at)}  {self._names.get(mid, mid)} (serial {serial})")
        if len(coming) > limit:
            out.append(f"  and {len(coming) - limit} more")
        return out

    def _tip(self, x: float, y: float, data: int) -> str:
        return self.point_tip(int(data))

    def _mark_tip(self, x: float, y: float, data: int) -> str:
        pid = self.point_data.ids[int(data)]
        lines = [self._point_records.get(pid, {}).get("name", "")]
        if self.plans is not None:
            for c in self.plans.conflicts:
                if c.point_id == pid:
                    who = ", ".join(self._names.get(m, m) for m in c.movements)
                    lines.append(f"Conflict ({c.reason}) {timefmt.short(c.start)}–"
                                 f"{timefmt.short(c.end)}: {who}")
            for plan in self.plans.plans.values():
                for v in plan.violations:
                    if v.point_id == pid:
                        lines.append(f"{self._names.get(plan.movement_id, '')}: {v.rule} "
                                     f"({v.vehicle_type})")
        return "\n".join(lines)
