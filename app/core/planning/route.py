"""Route analysis: length, nations, border crossings and the critical points on a route.

Routes are cut into straight segments in LAEA metres and every question is asked of all
segments of all routes at once (shapely 2 and numpy), so thousands of routes cost about as
much as a few Python loops. A distance along a segment is measured on the projected segment
and scaled by that segment's geodesic length, so the end of a route lies at its geodesic
length. A straight LAEA segment strays from the geodesic by a few metres over 50 km (18 m
over 100 km), far less than the corridors' own town-to-town approximation.
`analyse` is `analyse_many` with one route: one code path, identical answers.
"""

from __future__ import annotations

import gc
import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import shapely

from app.core.geography import GEOD
from app.core.planning.model import BorderCrossing, PointOnRoute, RouteAnalysis
from app.core.planning.network import NO_NATION, Network

Route = Sequence[Sequence[float]]

# Point kinds a movement in each domain uses: a road convoy passing a rail ramp or an
# airfield it does not enter would otherwise be checked against it and shown as holding it.
DOMAIN_KINDS: dict[str, frozenset[str]] = {
    "road": frozenset({"road_crossing", "bridge", "tunnel", "port", "staging_area",
                       "rest_point", "garrison"}),
    "rail": frozenset({"rail_crossing", "gauge_transfer", "bridge", "tunnel", "port",
                       "staging_area", "garrison"}),
    "sea": frozenset({"port"}),
    "air": frozenset({"airfield"}),
}  # fmt: skip
CROSSING_KIND = {"road": "road_crossing", "rail": "rail_crossing"}  # other domains: any kind
CLUSTER_GAP_M = 1500.0  # border touches closer than this along the route are one crossing
SIDE_M = 250.0  # how far before and after a crossing the two sides are sampled


class _Segments:
    """All routes of a batch as flat arrays of straight segments (LAEA metres)."""

    def __init__(self, network: Network, routes: Sequence[Route]) -> None:
        counts = np.fromiter(map(len, routes), dtype=np.int64, count=len(routes))
        if len(routes) and counts.min() < 1:
            raise ValueError("a route needs at least one position")
        flat = np.fromiter(itertools.chain.from_iterable(itertools.chain.from_iterable(routes)),
                           dtype=float)  # fmt: skip
        if flat.size != 2 * counts.sum():  # positions with a height: keep lon, lat
            flat = np.array([p[:2] for r in routes for p in r], dtype=float)
        lonlat = flat.reshape(-1, 2)
        single = counts == 1  # a one-position route becomes a zero-length segment
        if single.any():
            lonlat = np.repeat(lonlat, np.where(np.repeat(single, counts), 2, 1), axis=0)
            counts = counts + single
        xy = network.project(lonlat)
        last = np.cumsum(counts) - 1
        start = np.ones(len(xy), dtype=bool)
        start[last] = False
        start = np.flatnonzero(start)
        self.count = len(routes)
        self.route = np.repeat(np.arange(len(routes)), counts - 1)
        self.first = np.concatenate([[0], np.cumsum(counts - 1)])  # segments of route r
        self.p0, self.p1 = xy[start], xy[start + 1]
        # One flat array per coordinate: gathers of millions of candidates stay cheap.
        self.x0, self.y0 = self.p0[:, 0].copy(), self.p0[:, 1].copy()
        self.dx, self.dy = self.p1[:, 0] - self.x0, self.p1[:, 1] - self.y0
        self.proj2 = self.dx * self.dx + self.dy * self.dy
        self.proj = np.sqrt(self.proj2)
        lon, lat = lonlat[:, 0], lonlat[:, 1]
        self.geod = np.asarray(GEOD.inv(lon[start], lat[start], lon[start + 1],
                                        lat[start + 1])[2])  # fmt: skip
        self.cum_geod, self.length = self._running(self.geod)
        self.cum_proj, self.proj_length = self._running(self.proj)
        self.geoms = shapely.linestrings(np.stack([self.p0, self.p1], axis=1))
        self.tree = shapely.STRtree(self.geoms)
        self.start_xy = self.p0[self.first[:-1]]

    def _running(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distance at the start of each segment and each route's total.

        Routes with the same number of segments are summed row by row in one 2-D array:
        each row adds in order, exactly as the route alone would (a batch never changes
        a result in the last digit).
        """
        before, total = np.empty_like(values), np.empty(self.count)
        sizes = np.diff(self.first)
        for n in np.unique(sizes).tolist():
            routes = np.flatnonzero(sizes == n)
            index = self.first[routes][:, None] + np.arange(n)
            running = np.cumsum(values[index], axis=1)
            before[index[:, 0]] = 0.0
            before[index[:, 1:]] = running[:, :-1]
            total[routes] = running[:, -1]
        return before, total

    def km(self, seg: np.ndarray, t: np.ndarray) -> np.ndarray:
        return (self.cum_geod[seg] + t * self.geod[seg]) / 1000.0

    def at(self, seg: np.ndarray, along: np.ndarray) -> np.ndarray:
        """Positions `along` projected metres from the start of each segment's route.

        Starts from a nearby segment (`seg`) and steps to the one holding the distance: exact,
        and independent of the other routes in the batch.
        """
        route = self.route[seg]
        along = np.clip(along, 0.0, self.proj_length[route])
        lo, hi = self.first[route], self.first[route + 1] - 1
        seg = seg.copy()
        while True:
            back = (along < self.cum_proj[seg]) & (seg > lo)
            ahead = (along > self.cum_proj[seg] + self.proj[seg]) & (seg < hi)
            if not (back.any() or ahead.any()):
                break
            seg += ahead.astype(np.int64) - back.astype(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.clip(np.nan_to_num((along - self.cum_proj[seg]) / self.proj[seg]), 0, 1)
        return self.p0[seg] + t[:, None] * (self.p1[seg] - self.p0[seg])


def analyse(network: Network, route_lonlat: Route, domain: str = "road",
            buffer_m: float = 200.0, crossing_tolerance_m: float = 3000.0) -> RouteAnalysis:
    """Length, nations in order, border crossings and critical points of one route."""
    return analyse_many(network, [route_lonlat], domain, buffer_m, crossing_tolerance_m)[0]


def analyse_many(network: Network, routes: Sequence[Route], domain: str = "road",
                 buffer_m: float = 200.0, crossing_tolerance_m: float = 3000.0,
                 ) -> list[RouteAnalysis]:
    """`analyse` for many routes at once (the answer for each route is the same)."""
    if not routes:
        return []
    with _without_gc():
        segs = _Segments(network, routes)
        points = _points_on(network, segs, domain, buffer_m)
        crossings, nations = _borders(network, segs, domain, crossing_tolerance_m)
        return list(map(RouteAnalysis, (segs.length / 1000.0).tolist(), nations, crossings,
                        points))  # fmt: skip


@contextmanager
def _without_gc() -> Iterator[None]:
    """Pause the cycle collector while the results are made: they hold no cycles, and its
    repeated passes over hundreds of thousands of new small objects add about 30 % to a
    batch of 10,000 routes."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _nearest_on(segs: _Segments, seg: np.ndarray, x: np.ndarray, y: np.ndarray,
                ) -> tuple[np.ndarray, np.ndarray]:
    """Parameter (0..1) of the point of each segment nearest to (x, y), and the distance."""
    dx, dy, length2 = segs.dx[seg], segs.dy[seg], segs.proj2[seg]
    wx, wy = x - segs.x0[seg], y - segs.y0[seg]
    dot = wx * dx + wy * dy
    t = np.divide(dot, length2, out=np.zeros_like(dot), where=length2 > 0)
    np.clip(t, 0.0, 1.0, out=t)
    return t, np.hypot(wx - t * dx, wy - t * dy)


def _points_on(network: Network, segs: _Segments, domain: str, buffer_m: float,
               ) -> list[tuple[PointOnRoute, ...]]:
    if not network.points:
        return [()] * segs.count
    kinds = DOMAIN_KINDS.get(domain)
    usable = (np.isin(network.point_kinds, list(kinds)) if kinds is not None
              else np.ones(len(network.points), dtype=bool))  # fmt: skip
    usable = np.flatnonzero(usable)
    # Candidates by bounding box, then exact distances in numpy: several times faster than
    # a "dwithin" predicate evaluated by GEOS pair by pair. Most candidates are dropped by
    # their distance to the segment's infinite line before the full projection.
    px, py = network.point_xy[usable].T
    boxes = shapely.box(px - buffer_m, py - buffer_m, px + buffer_m, py + buffer_m)
    pt, seg = segs.tree.query(boxes)
    wx, wy = px[pt] - segs.x0[seg], py[pt] - segs.y0[seg]
    cross = wx * segs.dy[seg] - wy * segs.dx[seg]
    keep = np.flatnonzero(cross * cross <= buffer_m * buffer_m * segs.proj2[seg])
    pt, seg = pt[keep], seg[keep]
    t, offset = _nearest_on(segs, seg, px[pt], py[pt])
    near = offset <= buffer_m
    seg, pt, t, offset = seg[near], usable[pt[near]], t[near], offset[near]
    # Order by route, km and point with one integer sort: (segment, position on it to a
    # millionth, point) packed in an int64. Segments are numbered along each route.
    order = np.argsort(_pack(seg, np.rint(t * _T_STEPS).astype(np.int64), pt,
                             len(segs.x0), len(network.points)))  # fmt: skip
    seg, pt, t, offset = seg[order], pt[order], t[order], offset[order]
    route = segs.route[seg]
    keep = _nearest_pass(route * len(network.points) + pt, offset)
    route, pt, km, offset = route[keep], pt[keep], segs.km(seg[keep], t[keep]), offset[keep]
    made = list(map(PointOnRoute, network.point_objects[pt].tolist(), km.tolist(),
                    offset.tolist()))  # fmt: skip
    bounds = np.searchsorted(route, np.arange(segs.count + 1)).tolist()
    return [tuple(made[a:b]) for a, b in itertools.pairwise(bounds)]


_T_STEPS = 1 << 20


def _pack(seg: np.ndarray, step: np.ndarray, pt: np.ndarray, segments: int,
          points: int) -> np.ndarray:
    """One sortable int64 per (segment, step, point); a lexical sort if it would not fit."""
    point_bits, step_bits = max(points, 1).bit_length(), (_T_STEPS + 1).bit_length()
    if max(segments, 1).bit_length() + step_bits + point_bits > 62:
        return np.argsort(np.lexsort((pt, step, seg)))  # the rank serves as the key
    return (seg << (step_bits + point_bits)) | (step << point_bits) | pt


def _nearest_pass(pair: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Mask keeping, for each (route, point) pair, its nearest pass; on a tie the first."""
    by_pair = np.argsort(pair, kind="stable")  # stable: keeps the km order inside a pair
    sorted_pair, sorted_offset = pair[by_pair], offset[by_pair]
    starts = np.flatnonzero(np.diff(sorted_pair, prepend=-1))
    if len(starts) == len(pair):  # each point passed once: the usual case
        return np.ones(len(pair), dtype=bool)
    group = np.cumsum(np.diff(sorted_pair, prepend=-1) != 0) - 1
    best = np.minimum.reduceat(sorted_offset, starts)
    at_best = np.flatnonzero(sorted_offset == best[group])
    first = at_best[np.diff(group[at_best], prepend=-1) != 0]
    keep = np.zeros(len(pair), dtype=bool)
    keep[by_pair[first]] = True
    return keep


def _borders(network: Network, segs: _Segments, domain: str, tolerance_m: float,
             ) -> tuple[list[tuple[BorderCrossing, ...]], list[tuple[str, ...]]]:
    """Crossings of boundary edges, grouped along each route; sides sampled either side."""
    edge, seg = segs.tree.query(network.edge_geoms)
    rx, ry = segs.dx[seg], segs.dy[seg]
    sx, sy = network.edge_d[edge].T
    qx, qy = network.edge_xy[edge, 0] - segs.x0[seg], network.edge_xy[edge, 1] - segs.y0[seg]
    denom = rx * sy - ry * sx
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (qx * sy - qy * sx) / denom
        u = (qx * ry - qy * rx) / denom
    hit = np.flatnonzero((t >= 0) & (t <= 1) & (u >= 0) & (u <= 1))  # parallel: t is nan
    seg, edge, t = seg[hit], edge[hit], t[hit]
    route = segs.route[seg]
    along = segs.cum_proj[seg] + t * segs.proj[seg]
    order = np.lexsort((edge, seg, along, route))  # ties broken the same in any batch
    seg, edge, t, route, along = seg[order], edge[order], t[order], route[order], along[order]

    new = np.ones(len(route), dtype=bool)
    new[1:] = (route[1:] != route[:-1]) | (np.diff(along) > CLUSTER_GAP_M)
    cluster = np.cumsum(new) - 1
    heads = np.flatnonzero(new)
    tails = np.append(heads[1:], len(route))[: len(heads)] - 1
    c_route = route[heads]
    sides = network.nations_at(segs.at(np.concatenate([seg[heads], seg[tails]]),
                                       np.concatenate([along[heads] - SIDE_M,
                                                       along[tails] + SIDE_M])))
    before, after = sides[: len(heads)], sides[len(heads):]
    start = network.nations_at(segs.start_xy)

    # Where to place each crossing: an edge between exactly these two nations, else any
    # shared border edge, else (a short sea gap between two nations) the first touch.
    sides_of_edge = network.edge_nations[edge]
    shared = sides_of_edge[:, 1] != NO_NATION
    want = np.sort(np.column_stack([before, after]), axis=1)[cluster]
    exact = shared & (np.sort(sides_of_edge, axis=1) == want).all(axis=1)
    rank = np.where(exact, 0, np.where(shared, 1, 2))
    pick = np.lexsort((along, rank, cluster))  # stable: ties keep the order above
    rep = pick[np.flatnonzero(np.diff(cluster[pick], prepend=-1))]
    crossing = np.flatnonzero((before != NO_NATION) & (after != NO_NATION) & (before != after))
    at_seg, at_t = seg[rep[crossing]], t[rep[crossing]]
    xy = np.column_stack([segs.x0[at_seg] + at_t * segs.dx[at_seg],
                          segs.y0[at_seg] + at_t * segs.dy[at_seg]])
    lonlat = network.unproject(xy)
    km = segs.km(at_seg, at_t)
    known, distance = _known(network, domain, xy, before[crossing], after[crossing],
                             tolerance_m)  # fmt: skip

    codes = network.codes
    nations: list[list[str]] = [[codes[n]] if n != NO_NATION else [] for n in start.tolist()]
    for rt, n in zip(c_route.tolist(), after.tolist(), strict=True):
        if n != NO_NATION and (not nations[rt] or nations[rt][-1] != codes[n]):
            nations[rt].append(codes[n])
    crossings: list[list[BorderCrossing]] = [[] for _ in range(segs.count)]
    rows = zip(c_route[crossing].tolist(), km.tolist(), before[crossing].tolist(),
               after[crossing].tolist(), lonlat.tolist(), known.tolist(), distance.tolist(),
               strict=True)  # fmt: skip
    for rt, at_km, a, b, (lon, lat), k, d in rows:
        crossings[rt].append(BorderCrossing(
            km=at_km, from_nation=codes[a], to_nation=codes[b], lon=lon, lat=lat,
            point=network.points[k] if k >= 0 else None, distance_m=d if k >= 0 else None))
    return [tuple(c) for c in crossings], [tuple(n) for n in nations]


def _known(network: Network, domain: str, xy: np.ndarray, a: np.ndarray, b: np.ndarray,
           tolerance_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest known crossing of the domain's kind between nations a and b
    within the tolerance (-1: none), and its distance."""
    candidates = network.crossings[CROSSING_KIND.get(domain, "any")]
    found = np.full(len(xy), -1, dtype=np.int64)
    if not len(candidates) or not len(xy):
        return found, np.full(len(xy), np.nan)
    d = np.hypot(*(xy[:, None, :] - network.point_xy[candidates][None, :, :]).transpose(2, 0, 1))
    own = network.point_nations[candidates][None, :]
    other = network.point_border_with[candidates][None, :]
    a, b = a[:, None], b[:, None]
    between = (other == NO_NATION) | ((own == a) & (other == b)) | ((own == b) & (other == a))
    d = np.where(between & (d <= tolerance_m), d, np.inf)
    best = np.argmin(d, axis=1)
    nearest = d[np.arange(len(d)), best]
    hit = np.isfinite(nearest)
    found[hit] = candidates[best[hit]]
    return found, nearest


def land_problem(network: Network, route_lonlat: Route, domain: str) -> str | None:
    """For a road or rail route, where it runs through open sea; None when it stays on land."""
    if domain not in ("road", "rail") or len(route_lonlat) < 2:
        return None
    # Most routes are dry: one projection and one prepared test before any geodesy.
    line = shapely.linestrings(network.project(route_lonlat))
    if not network.water.intersects(line):
        return None
    segs = _Segments(network, [route_lonlat])
    wet = shapely.intersection(line, network.water)
    stretches = []
    for piece in getattr(wet, "geoms", [wet]):
        if piece.geom_type != "LineString" or piece.length < 1.0:
            continue
        kms = [_km_of(segs, x, y) for x, y in shapely.get_coordinates(piece)[[0, -1]]]
        stretches.append(tuple(sorted(kms)))
    if not stretches:
        return None
    where = ", ".join(f"from km {a:.1f} to km {b:.1f}" for a, b in sorted(stretches))
    return f"the {domain} route runs through open sea {where} (use a sea leg for a ferry)"


def _km_of(segs: _Segments, x: float, y: float) -> float:
    """km along a one-route batch of the route's point nearest to (x, y)."""
    every = np.arange(len(segs.x0))
    t, dist = _nearest_on(segs, every, np.full(len(every), x), np.full(len(every), y))
    best = every[[int(np.argmin(dist))]]
    return float(segs.km(best, t[best])[0])
