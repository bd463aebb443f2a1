"""The demo exercise: four days of allied movements across Poland and the Baltic states.

Written as the coordination cell of one nation would hold it after syncing with the
others: each nation's movements and decisions carry that nation's (simulated) site as
their origin. Bridge ratings are scenario values, not published classifications.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from app.core import geography, timefmt
from app.core.domain.calendar import add_working_days
from app.core.ids import stable_id
from app.core.movement_request import split_into_serials
from app.core.store import Store
from app.core.store.baseline import vehicle_type_id
from app.core.trust.authority import HOST_STATUSES

EXERCISE = "AMBER LINK 26"
HOSTS = ("PL", "LT", "LV", "EE")
TOWNS = {
    "Suwałki": (22.93, 54.10), "Kaunas": (23.90, 54.90), "Riga": (24.11, 56.95),
    "Tallinn": (24.75, 59.44), "Pärnu": (24.50, 58.38), "Šiauliai": (23.31, 55.93),
    "Vilnius": (25.28, 54.69),
}  # fmt: skip

# Scenario bridges on the corridors (name, nation, near lon/lat, corridor, MLC tracked/wheeled,
# exclusive). Bauska's MLC 80/85 is below a loaded heavy equipment transporter's MLC 105;
# Salaca's tracked MLC 60 is below a Leopard 2A7's 70. Ratings are MLC only (no tonnage).
BRIDGES = [
    ("Šešupė bridge, Marijampolė (E67)", "LT", (23.34, 54.55), "e67-via-baltica", 100, 110, False),
    ("Nevėžis bridge, Panevėžys (E67)", "LT", (24.36, 55.72), "e67-via-baltica", 110, 120, False),
    ("Mūsa bridge, Bauska (E67/A7)", "LV", (24.19, 56.41), "e67-via-baltica", 80, 85, False),
    ("Gauja bridge, Ādaži (A1/E67)", "LV", (24.29, 57.03), "e67-via-baltica", 100, 110, False),
    ("Salaca bridge, Salacgrīva (A1/E67)", "LV", (24.36, 57.75), "e67-via-baltica", 60, 80, True),
    ("Pärnu river bridge, Pärnu (E67)", "EE", (24.52, 58.37), "e67-via-baltica", 100, 110, False),
    ("Lielupe bridge, Jelgava (E77)", "LV", (23.72, 56.65), "e77-riga-siauliai", 90, 100, False),
]  # fmt: skip

DECIDERS = {
    "PL": "ppłk A. Nowak, PL movement cell", "LT": "mjr. R. Kazlauskas, Vilnius NMCC",
    "LV": "majors J. Bērziņš, Riga NMCC", "EE": "major K. Tamm, Tallinn NMCC",
}  # fmt: skip


def _v(key: str, count: int, **extra: Any) -> dict[str, Any]:
    return {"key": key, "count": count, **extra}


@dataclass
class Move:
    name: str
    owner: str
    unit: str
    via: list[str | tuple[float, float]]   # towns, place keys or [lon, lat]
    day: int
    hour: float
    vehicles: list[dict[str, Any]]
    domain: str = "road"
    priority: str = "exercise"
    status: str = "planned"
    permit: str = "approved"   # the state of its permits (see _permits)
    speed: float = 50.0
    interval: float = 100.0
    personnel: int = 0
    in_exercise: bool = True
    remarks: str = ""
    overrides: dict[str, str] = field(default_factory=dict)  # host -> permit state


ARMOUR_HET = [_v("m1070-het-abrams", 14), _v("m88a2", 2), _v("man-hx77", 10)]
LEO = [_v("leopard-2a7", 14), _v("man-hx77", 12), _v("light-utility", 6)]
STRYKER = [_v("stryker", 30), _v("man-hx77", 12), _v("light-utility", 8)]
CV90 = [_v("cv90", 14), _v("man-hx77", 8), _v("light-utility", 4)]
BOXER = [_v("boxer", 20), _v("man-hx77", 10), _v("light-utility", 4)]
AMV = [_v("patria-amv", 16), _v("man-hx77", 8), _v("light-utility", 6)]
ARTY = [_v("k9-thunder", 6), _v("man-hx60-ammo", 6), _v("man-hx77", 4)]
HIMARS = [_v("m142-himars", 6), _v("man-hx60-ammo", 8), _v("light-utility", 3)]
FUEL = [_v("man-hx-fuel", 12), _v("light-utility", 2)]
CAESAR = [_v("caesar", 6), _v("man-hx60-ammo", 4), _v("light-utility", 2)]

MOVES: list[Move] = [
    # Day 0: arrivals and the first road moves north.
    Move("Heavy armour to Ādaži (HET)", "US", "3-69 AR, 1 ABCT", ["Suwałki", "adazi"], 0, 5,
         ARMOUR_HET, speed=40, personnel=120, status="completed",
         remarks="Loaded HETs, MLC 105 wheeled"),
    Move("Mechanised battalion to Rukla", "PL", "1 bz, 15 BZ", ["Suwałki", "Kaunas", "rukla"],
         0, 6, [_v("m2a3-bradley", 28), _v("man-hx77", 14), _v("light-utility", 6)],
         personnel=410, status="completed"),
    Move("Stryker squadron to Pabradė", "US", "2/2 CR", ["Suwałki", "Kaunas",
         "pabrade-training-area"], 0, 6 + 20 / 60, STRYKER, personnel=390, status="completed"),
    Move("C-17 airlift to Šiauliai", "US", "437 AW", [(7.60, 49.44), (14.5, 52.4), (22.5, 53.9),
         (23.5, 54.6), "siauliai-air-base"], 0, 2, [_v("m142-himars", 2)], domain="air",
         speed=780, interval=0, personnel=40, status="completed"),
    Move("A400M airlift to Šiauliai", "DE", "LTG 62", [(9.45, 52.46), (14.5, 52.4), (22.5, 53.9),
         (23.5, 54.6), "siauliai-air-base"], 0, 8, [_v("light-utility", 4)], domain="air",
         speed=650, interval=0, personnel=60, status="completed"),
    Move("Ro-ro arrival at Paldiski", "US", "841 TB", [(19.5, 57.6), (22.3, 59.35),
         "paldiski-south-harbour"], 0, 0, [_v("m1a2-sepv3", 14), _v("m2a3-bradley", 10),
         _v("man-hx77", 20)], domain="sea", speed=28, interval=0, personnel=60,
         status="completed", remarks="MV ARC Integrity, berth 2"),
    Move("Rail: brigade equipment to Kaunas", "DE", "Panzergrenadierbrigade 41",
         ["trakiszki-mockava", "sestokai", "kaunas-intermodal-terminal"], 0, 9,
         [_v("boxer", 24), _v("man-hx77", 16)], domain="rail", speed=45, interval=20,
         personnel=30, status="completed", remarks="Transfer 1435/1520 mm at Šeštokai"),
    Move("Danish battalion to Ādaži", "DK", "1 BTN, DANBDE", ["Riga", "adazi"], 0, 14,
         [_v("cv90", 10), _v("man-hx77", 10)], personnel=260, status="completed"),
    # Day 1: the main flow on Via Baltica.
    Move("Paldiski to Tapa (ro-ro offload)", "US", "1-8 CAV", ["paldiski-south-harbour",
         "Tallinn", "tapa"], 1, 4, [_v("m1a2-sepv3", 14), _v("m2a3-bradley", 10),
         _v("man-hx77", 20)], speed=40, personnel=320, status="under_way"),
    Move("Leopard battalion to Rukla", "DE", "PzBtl 393", ["Suwałki", "Kaunas", "rukla"], 1, 5,
         LEO, speed=45, personnel=380, status="under_way"),
    Move("Mechanised company to Ādaži", "PL", "2 kz, 9 BKPanc", ["Suwałki", "adazi"], 1, 7,
         [_v("m2a3-bradley", 30), _v("man-hx77", 18)], personnel=220, status="under_way",
         permit="approved_with_conditions"),
    Move("Stryker troop to Ādaži", "US", "3/2 CR", ["Suwałki", "adazi"], 1, 7 + 20 / 60, STRYKER,
         personnel=360, status="planned", permit="approved_with_conditions"),
    Move("HIMARS battery to Šiauliai", "US", "A/3-321 FA", ["Vilnius", "Kaunas", "Šiauliai",
         "siauliai-air-base"], 1, 9, HIMARS, personnel=90, status="planned"),
    Move("Battlegroup echelon to Ādaži", "GB", "1 MERCIAN", ["tapa", "Pärnu", "adazi"], 1, 6,
         [_v("man-hx77", 24), _v("light-utility", 12)], personnel=300, status="under_way"),
    Move("CAESAR battery to Tapa", "FR", "LYNX 19, 93 RAM", ["Riga", "Pärnu", "tapa"], 1, 12,
         CAESAR, personnel=110, status="planned"),
    Move("Fuel resupply to Ādaži", "LV", "NBS Logistics Bn", ["Riga", "adazi"], 1, 16, FUEL,
         priority="routine", status="planned", in_exercise=False, personnel=30),
    Move("Norwegian engineers to Rukla", "NO", "Ingeniørbataljonen", ["Riga", "Šiauliai",
         "Kaunas", "rukla"], 1, 10, [_v("man-hx77", 16), _v("light-utility", 4)],
         personnel=140, status="planned"),
    # Day 2: deeper moves, Estonia and Latvia.
    Move("K9 battalion to Ādaži", "EE", "Suurtükiväepataljon", ["tapa", "Pärnu", "adazi"], 2, 4,
         ARTY, personnel=180, status="planned"),
    Move("Finnish AMV company to Tapa", "FI", "Porin prikaati", [(22.95, 59.82),
         "paldiski-south-harbour"], 2, 2, AMV, domain="sea", speed=30, interval=0,
         personnel=150, status="planned", remarks="Ferry Hanko – Paldiski"),
    Move("Finnish AMV company, Paldiski to Tapa", "FI", "Porin prikaati",
         ["paldiski-south-harbour", "Tallinn", "tapa"], 2, 9, AMV, personnel=150,
         status="planned", permit="under_review"),
    Move("Swedish CV90 company to Ādaži", "SE", "I 19 Norrbottens regemente",
         ["Riga", "adazi"], 2, 8, CV90, personnel=160, status="planned", permit="requested"),
    Move("Dutch Boxer company to Rukla", "NL", "45 Pantserinfanteriebataljon", ["Suwałki",
         "Kaunas", "rukla"], 2, 6, BOXER, personnel=170, status="submitted", permit="requested"),
    Move("Czech logistics to Šiauliai", "CZ", "14 pluk logistické podpory", ["Suwałki",
         "Kaunas", "Šiauliai"], 2, 11, [_v("man-hx77", 24)], personnel=60, status="submitted",
         permit="under_review"),
    Move("Leopard company to Tapa", "DE", "PzBtl 203", ["Suwałki", "Riga", "Pärnu", "tapa"],
         2, 3, LEO, speed=45, personnel=200, status="planned", permit="denied",
         overrides={"LT": "approved", "LV": "denied", "EE": "requested"},
         remarks="Tracked on Salaca bridge (MLC 60) refused by LV; re-route or HET required"),
    Move("Rail: Abrams to Kaunas", "US", "1 ABCT", ["trakiszki-mockava", "sestokai",
         "kaunas-intermodal-terminal"], 2, 14, [_v("m1a2-sepv3", 28), _v("m88a2", 4)],
         domain="rail", speed=45, interval=20, personnel=40, status="planned",
         permit="approved_with_conditions"),
    Move("Medical company to Riga", "LT", "Karo medicinos tarnyba", ["Kaunas", "Riga"], 2, 13,
         [_v("light-utility", 18), _v("man-hx77", 4)], personnel=90, status="planned",
         permit="requested"),
    # Day 3: redeployment and the crisis drill.
    Move("Crisis drill: QRF to Valga", "EE", "Scoutspataljon", ["tapa", "Tallinn", "Pärnu",
         "Riga", "valka-valga"], 3, 1, [_v("patria-amv", 12), _v("light-utility", 4)],
         priority="crisis", speed=60, personnel=120, status="submitted", permit="under_review",
         remarks="Crisis fast track exercised"),
    Move("Latvian QRF to Šiauliai", "LV", "Kājnieku brigāde", ["adazi", "Riga", "Šiauliai"],
         3, 2, [_v("patria-amv", 10), _v("man-hx77", 4)], priority="crisis", speed=60,
         personnel=110, status="draft", permit="draft"),
    Move("HIMARS return to Suwałki", "US", "A/3-321 FA", ["siauliai-air-base", "Šiauliai",
         "Kaunas", "Suwałki"], 3, 12, HIMARS, personnel=90, status="draft", permit="draft"),
    Move("Danish CV90 to Lithuania", "DK", "1 BTN, DANBDE", ["adazi", "Riga", "Kaunas",
         "rukla"], 3, 6, CV90, personnel=160, status="cancelled", permit="withdrawn",
         remarks="Cancelled: task reassigned"),
    Move("British engineers to Riga", "GB", "32 Engineer Regiment", ["tapa", "Pärnu", "Riga"],
         2, 8, [_v("man-hx77", 14), _v("light-utility", 4)], personnel=120, status="planned",
         permit="superseded", remarks="Date moved after approval: new decision needed"),
    Move("Polish artillery to Kaunas", "PL", "11 MPA", ["Suwałki", "Kaunas"], 3, 5, ARTY,
         personnel=140, status="planned", permit="expired",
         remarks="Held at Suwałki past its permit validity"),
    Move("Lithuanian battalion to Klaipėda", "LT", "DLK Algirdo batalionas", ["rukla",
         "Kaunas", "klaipeda-port"], 3, 7, BOXER, personnel=200,
         status="planned"),
    Move("French logistics to Riga Freeport", "FR", "LYNX 19", ["tapa", "Tallinn", "Pärnu",
         "riga-freeport"], 3, 10, [_v("man-hx77", 12), _v("light-utility", 4)], personnel=90,
         status="planned", permit="requested"),
]


def write(path: str | Path, nation: str = "LT", start: datetime | None = None,
          now: datetime | None = None, site_name: str | None = None) -> dict[str, int]:
    """Write the demo store at `path`. The exercise starts `start` (default: yesterday);
    `site_name` names the store's own site (default: the nation's deciding office)."""
    now = now or datetime.now(timefmt.UTC)
    start = start or (now - timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                        microsecond=0)
    if site_name is None:
        site_name = DECIDERS.get(nation, f"{nation} NMCC").split(", ")[-1]
    store = Store.create(path, nation, site_name)
    try:
        return _Scenario(store, start, now).build()
    finally:
        store.close()


def _initials(decider: str) -> str:
    """Two letters for the issuing authority, from the decider's office (e.g. NMCC → NM)."""
    office = decider.split(",")[-1].split()
    letters = "".join(w[0] for w in office if w[:1].isalpha()).upper()
    return (letters + "XX")[:2]


def site_of(nation: str) -> str:
    return stable_id("site", f"demo-{nation}")


class _Scenario:
    def __init__(self, store: Store, start: datetime, now: datetime) -> None:
        self.store, self.start, self.now = store, start, now
        self.types = {r["id"]: r for r in store.rows("vehicle_types")}
        corridors = list(store.rows("corridors"))
        self.roads = geography.RoadNetwork(c["geometry"] for c in corridors
                                           if c["kind"] == "road")  # fmt: skip
        self.rails = geography.RoadNetwork(c["geometry"] for c in corridors
                                           if c["kind"] == "rail")  # fmt: skip
        self.corridors = {c["key"]: c["geometry"] for c in corridors}
        self.points = {r["key"]: r for r in store.rows("critical_points") if r["key"]}
        self.network: Any = None  # built once the scenario's bridges exist
        self.credits: dict[tuple[str, int], int] = {}  # movement numbers given per host, day

    def origin(self, nation: str) -> str:
        if nation == self.store.nation:
            return self.store.site_id
        site = site_of(nation)
        self.store.register_site(site, nation, DECIDERS.get(nation, f"{nation} NMCC")
                                 .split(", ")[-1])  # fmt: skip
        return site

    def build(self) -> dict[str, int]:
        lead = self.origin("LT")
        with self.store.write(origin=lead, permits=False) as w:
            self.exercise = w.insert("exercises", {
                "name": EXERCISE, "lead_nation": "LT",
                "description": "BMMA mobility exercise: allied forces move from Poland "
                               "through Lithuania and Latvia to Estonia.",
                "start": timefmt.iso(self.start),
                "end": timefmt.iso(self.start + timedelta(days=4))})
        self._bridges()
        for move in MOVES:
            self._movement(move)
        self._incidents()
        self._standing_permission()
        # The scenario's past is history already exchanged with the other cells: its
        # decisions have left this laptop and are not undone from the inbox.
        from app.core.sync import exchange

        exchange.seal(self.store)
        return {t: self.store.count(t) for t in
                ("movements", "serials", "permits", "events", "critical_points")}

    def _bridges(self) -> None:
        from shapely.geometry import LineString, Point
        from shapely.ops import nearest_points

        for name, nation, (lon, lat), corridor, tracked, wheeled, exclusive in BRIDGES:
            line = LineString(self.corridors[corridor])
            on_road = nearest_points(line, Point(lon, lat))[0]
            with self.store.write(origin=self.origin(nation), permits=False) as w:
                w.insert("critical_points", {
                    "name": name, "kind": "bridge", "nation": nation,
                    "position": [round(on_road.x, 5), round(on_road.y, 5)],
                    "capacity_per_hour": 40 if exclusive else 120, "exclusive": exclusive,
                    "mlc_tracked": tracked, "mlc_wheeled": wheeled, "max_width_m": 4.5,
                    "max_height_m": None, "max_weight_t": None,
                    "restrictions": "single lane for loads over MLC 50" if exclusive else "",
                    "source": "exercise scenario value, not a published classification"})

    def _standing_permission(self) -> None:
        """LT's annual permission for light Baltic and Polish movements; the requests that
        fit it are marked so the inbox can approve them at once."""
        from app.core.permits import preauth

        lt = self.origin("LT")
        with self.store.write(origin=lt, permits=False) as w:
            w.insert("preauthorisations", {
                "host_nation": "LT", "reference": "LT-PA-2026-007",
                "holders": ["LV", "EE", "PL", "NL"], "max_mlc": 40, "dangerous_goods": [],
                "valid_from": timefmt.iso(self.start - timedelta(days=60)),
                "valid_until": timefmt.iso(self.start + timedelta(days=300)),
                "remarks": "Annual permission for wheeled movements up to MLC 40, no "
                           "dangerous goods"})
        for permit in self.store.rows("permits", "host_nation = 'LT' AND status = 'requested'"):
            movement = self.store.get("movements", permit["movement_id"])
            vehicles = [v for s in self.store.rows("serials", "movement_id = ?",
                                                   (movement["id"],)) for v in s["vehicles"]]
            end = movement["arrive_by"] or permit["valid_until"]
            pre, _ = preauth.find(self.store, "LT", movement["owner"], movement["depart"], end,
                                  vehicles)
            if pre is not None:
                with self.store.write(origin=self.origin(movement["owner"]),
                                      permits=False) as w:
                    # Asked again under the permission just now: due on receipt.
                    asked = timefmt.iso(self.now - timedelta(minutes=25))
                    w.update("permits", permit["id"], {
                        "mode": "preauthorised", "preauthorisation_id": pre["id"],
                        "requested_at": asked, "deadline": asked})

    def _where(self, stop: str | tuple[float, float]) -> tuple[float, float]:
        if isinstance(stop, tuple):
            return stop
        if stop in TOWNS:
            return TOWNS[stop]
        lon, lat = self.points[stop]["position"]
        return lon, lat

    def _route(self, move: Move) -> list[list[float]]:
        stops = [self._where(s) for s in move.via]
        if move.domain in ("air", "sea"):
            return [[round(x, 5), round(y, 5)] for x, y in stops]
        network = self.rails if move.domain == "rail" else self.roads
        return network.route(stops)

    def _vehicles(self, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for line in lines:
            if not line["count"]:
                continue
            vt = self.types[vehicle_type_id(line["key"])]
            out.append({"type": vt["name"], "count": line["count"], "mlc": vt["mlc"],
                        "weight_t": vt["weight_t"], "length_m": vt["length_m"],
                        "width_m": vt["width_m"], "height_m": vt["height_m"],
                        "tracked": vt["tracked"], "dangerous_goods": vt["dangerous_goods"],
                        "vehicle_type_id": vt["id"]})
        return out

    def _movement(self, move: Move) -> None:
        route = self._route(move)
        depart = self.start + timedelta(days=move.day, hours=move.hour)
        lead_days = 9 if move.priority != "crisis" else 0
        requested = depart - timedelta(days=lead_days, hours=0 if lead_days else 8)
        length_km = geography.length_m(route) / 1000
        slack_min = int((length_km / move.speed * 1.5 + 4) * 60)
        arrive_by = depart + timedelta(minutes=slack_min - slack_min % 15)
        origin = self.origin(move.owner)
        with self.store.write(origin=origin, permits=False) as w:
            movement_id = w.insert("movements", {
                "name": move.name, "owner": move.owner, "unit": move.unit,
                "domain": move.domain, "priority": move.priority, "status": move.status,
                "exercise_id": self.exercise if move.in_exercise else None, "route": route,
                "requested_at": timefmt.iso(requested), "depart": timefmt.iso(depart),
                "arrive_by": timefmt.iso(arrive_by), "speed_kmh": move.speed,
                "vehicle_interval_m": move.interval, "personnel": move.personnel,
                "remarks": move.remarks})
            for serial in split_into_serials(self._vehicles(move.vehicles), 24):
                w.insert("serials", {**serial, "movement_id": movement_id,
                                     "name": f"{move.unit.split(',')[0]} serial "
                                             f"{serial['number']}"})  # fmt: skip
        hosts = list(dict.fromkeys(  # a route may leave a nation and come back: one permit
            n for n in geography.nations_along(route) if n in HOSTS and n != move.owner))
        for number, host in enumerate(hosts, start=1):
            state = move.overrides.get(host, move.permit)
            self._permit(movement_id, move, host, state, requested, depart, number)
        if move.permit == "superseded":
            # The owner moved the departure after the hosts had decided: a material change.
            with self.store.write(origin=origin, permits=False) as w:
                w.update("movements", movement_id, {
                    "depart": timefmt.iso(depart + timedelta(hours=24)),
                    "arrive_by": timefmt.iso(arrive_by + timedelta(hours=24))})
        if move.status in ("completed", "under_way"):
            self._passages(movement_id, move, route, depart, origin)

    def _permit(self, movement_id: str, move: Move, host: str, state: str,
                requested: datetime, depart: datetime, number: int) -> None:
        days = 3 if host in ("LT", "LV", "EE") and move.owner in ("LT", "LV", "EE") else 5
        deadline = (requested + timedelta(hours=6) if move.priority == "crisis"
                    else add_working_days(requested, days, host))  # fmt: skip
        decided = min(deadline, requested + timedelta(days=2))
        base = {
            "movement_id": movement_id, "host_nation": host,
            "mode": "crisis" if move.priority == "crisis" else "standard",
            "agreement": "BMMA" if host != "PL" else "CSEM",
            "reference": f"{host}-{requested:%Y}-{move.owner}-{MOVES.index(move) + 1:03d}"
                         f"/{number}",
            "requested_at": timefmt.iso(requested) if state != "draft" else None,
            "deadline": timefmt.iso(deadline) if state != "draft" else None,
            "valid_from": timefmt.iso(depart - timedelta(hours=2)),
            "valid_until": timefmt.iso(depart + timedelta(hours=30)),
        }
        decided_fields = {"decided_at": timefmt.iso(decided), "decided_by": DECIDERS[host]}
        if state in ("approved", "approved_with_conditions", "superseded"):
            # The movement credit's number (STANAG 2154): day, host and authority, serial.
            self.credits[(host, decided.day)] = self.credits.get((host, decided.day), 0) + 1
            decided_fields["movement_number"] = (
                f"{decided:%d}{host}{_initials(DECIDERS[host])}"
                f"{self.credits[(host, decided.day)]:03d}")
        records: list[dict[str, Any]] = []
        if state in ("approved", "denied", "expired"):
            records.append({**base, **decided_fields, "status": state})
            if state == "denied":
                records[-1]["remarks"] = "Route includes a point closed to this load class"
            if state == "expired":
                records[-1]["remarks"] = "Validity ended before the movement started"
        elif state == "approved_with_conditions":
            crossing = {"LT": "Budzisko – Kalvarija", "LV": "Saločiai – Grenctāle",
                        "EE": "Ainaži – Ikla", "PL": "Budzisko – Kalvarija"}[host]
            records.append({**base, **decided_fields, "status": state, "conditions": [
                f"Cross {crossing} between {depart + timedelta(hours=1):%H}:00 and "
                f"{depart + timedelta(hours=4):%H}:00Z",
                "Military police escort from the border to the first halt",
                "No movement between 22:00 and 05:00 local time"]})
        elif state == "superseded":
            records.append({**base, **decided_fields, "status": "superseded",
                            "valid_from": timefmt.iso(depart - timedelta(hours=26)),
                            "valid_until": timefmt.iso(depart + timedelta(hours=6)),
                            "remarks": "Decision superseded: departure moved by 24 h"})
            again = requested + timedelta(days=3)
            records.append({**base, "status": "requested", "requested_at": timefmt.iso(again),
                            "deadline": timefmt.iso(add_working_days(again, days, host))})
        else:  # draft, requested, under_review, withdrawn
            records.append({**base, "status": state})
        owner_site = self.origin(move.owner)
        for record in records:
            decided = record.get("decided_by") or record["status"] in HOST_STATUSES
            decider = self.origin(host) if decided else owner_site
            with self.store.write(origin=decider, permits=False) as w:
                w.insert("permits", record)

    def _passages(self, movement_id: str, move: Move, route: list[list[float]],
                  depart: datetime, origin: str) -> None:
        """Reported head passages at the points the column has reached by now, from its
        march table, a little later at each point, as convoys are."""
        from app.core.planning.march import march_table
        from app.core.planning.route import analyse

        if self.network is None:
            from app.core.planning.network import Network

            self.network = Network.from_store(self.store)
        counts = [sum(v["count"] for v in s["vehicles"])
                  for s in self.store.rows("serials", "movement_id = ?", (movement_id,),
                                           order_by="number")]  # fmt: skip
        table = march_table(movement_id, depart, move.speed, move.interval, counts,
                            analyse(self.network, route, move.domain))
        nation_of = {r["id"]: r["nation"] for r in self.store.rows("critical_points")}
        events = []
        for row in table.rows:
            if row.serial != 1 or row.point_id is None:
                continue
            at = row.head_arrive + timedelta(minutes=4 + 2 * len(events))
            if at > self.now:
                break
            events.append({"kind": "passage", "movement_id": movement_id,
                           "point_id": row.point_id, "at": timefmt.iso(at),
                           "reported_by": f"{nation_of[row.point_id]} MP post"})
        with self.store.write(origin=origin, permits=False) as w:
            for event in events:
                w.insert("events", event)

    def _incidents(self) -> None:
        gauja = next(r for r in self.store.rows("critical_points")
                     if r["name"].startswith("Gauja bridge"))  # fmt: skip
        closed = self.start + timedelta(days=2, hours=10)
        with self.store.write(origin=self.origin("LV"), permits=False) as w:
            w.insert("events", {"kind": "closure", "point_id": gauja["id"],
                                "at": timefmt.iso(closed),
                                "until": timefmt.iso(closed + timedelta(hours=6)),
                                "details": "Bearing inspection after heavy traffic",
                                "reported_by": "LV Road Administration liaison"})
        late = next(m for m in self.store.rows("movements") if m["status"] == "under_way")
        with self.store.write(origin=self.origin(late["owner"]), permits=False) as w:
            w.insert("events", {"kind": "delay", "movement_id": late["id"], "delay_min": 45,
                                "at": timefmt.iso(self.now - timedelta(minutes=30)),
                                "details": "Vehicle breakdown, recovery under way",
                                "reported_by": "convoy commander"})
