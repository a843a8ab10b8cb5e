"""The domain lexicon: groups of folded terms that say what a report is about, counted as
features beside the n-grams. A term the corpus rarely shows ("xuất tuyến", "tem QCRV")
shares its group's weight with common ones ("điện lực", "rao vặt"), which n-grams alone
cannot do. Written from the labelling rules (classifiers/corpus/LABELLING.md) and the terms
the team's own corpus rows use, not from any evaluation set."""

import re
from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from classifiers.textnorm import fold

# Each group: folded words and phrases, comma-separated, matched on word boundaries.
GROUPS: dict[str, str] = {
    # Telecom lines and their own hardware, and who owns them.
    "telecom": (
        "cap quang, cap vien thong, cap mang, cap internet, cap dong, cap truyen hinh, "
        "truyen hinh cap, day mang, day internet, day thue bao, day dien thoai, day tin hieu, "
        "mang xong, hop cap, tu cap, hop phoi quang, cot vien thong, vnpt, viettel, fpt, "
        "mobifone, vinaphone, sctv, vtvcab, doanh nghiep vien thong, cap treo, ngam hoa cap, "
        "ha ngam cap, thu hoi cap, chinh trang cap, bo gon cap"
    ),
    # Words for lines that any wire shares.
    "line": ("day cap, soi cap, bo cap, cuon cap, vien thong, nha mang, ngam hoa, ha ngam, bo gon"),
    # How a hanging line looks, one group per cable subtype (see LABELLING.md).
    "tangled": (
        "chang chit, chang cheo, mang nhen, roi nhu to vo, roi tung, bui day, bo day, lon xon, "
        "giang mac, xoan, cuon vao nhau, bung nhung, bui cap, quan vao nhau"
    ),
    "low": (
        "lung thung, long thong, thong xuong, vong thap, vong xuong, chung vong, sa xuong, "
        "sa thap, treo thap, qua thap, rat thap, sat mat dat, sat mat duong, ngang dau, "
        "ngang tam, ngang co, vuong co, vuong xe, vat ngang, giang ngang, cach mat dat, "
        "cach mat duong, bi vong, vong sat, de vuong, vuong vao, sa sat, xa xuong, tre xuong, "
        "chung xuong, chung thap, triu xuong, ngang nguc, sat dau, nang len cao, nang do cao, "
        "keo cang"
    ),
    "fallen": (
        "dut, bi dut, dut roi, roi xuong, rot, rot xuong, nam duoi duong, nam tren duong, "
        "nam giua duong, keo dut, xe keo, xe cau, sau bao, gay do, dut ngang, "
        "nam vat, nam tren via he, roi xuong via he, tuot khoi cot, nam duoi dat"
    ),
    "pole_box": (
        "cot nghieng, cot vien thong, cot bi gay, tru nghieng, hop cap, tu cap, mang xong, "
        "bung nap, mo nap, cuon cap, cuon du, treo cuon, gia do, hop phoi quang, thung cap"
    ),
    "abandoned": (
        "vo chu, khong su dung, khong con su dung, bo hoang, bo di, cap cu, day cu, "
        "thu hoi, cat bo, thao do, day chet, khong ro chu, het hop dong, bo lai, roi vai, "
        "thoi su dung, ngung su dung, khong con dung, day thua, cap thua, cap chet, khong dung nua"
    ),
    # Generic wire words: citizens call every wire "dây điện".
    "wire": "day, day dien, soi day, cot dien, tru dien, cot",
    # The power company's own network: forwarded to EVN, not a cable case.
    "power": (
        "dien luc, evn, evncpc, pc hue, trung the, ha the, cao the, kv, 22kv, 35kv, 110kv, "
        "0 4kv, xuat tuyen, tram bien ap, may bien ap, cong to, luoi dien, mat dien, cat dien, "
        "cup dien, chap dien, hanh lang an toan, su cach dien, aptomat, dien sinh hoat, "
        "tien dien, day dien trung the, day dien ha the, dien ap, den duong"
    ),
    # Internet and TV as a service: a complaint to the operator, not a line in the street.
    "service": (
        "mang cham, rot mang, mat mang, wifi, wi fi, los, modem, router, goi cuoc, hoa don, "
        "thanh toan, lap dat, lap mang, tong dai, ky thuat, ky thuat vien, mat song, song yeu, "
        "cat kenh, tivi, ti vi, tin hieu, toc do, bang thong, hop dong, khuyen mai, "
        "cuoc internet, cuoc phi, kenh truyen hinh"
    ),
    # A posted ad and what is done to it.
    "ad_posted": (
        "quang cao rao vat, rao vat, qcrv, to roi, to quang cao, giay quang cao, tem quang cao, "
        "dan quang cao, quang cao dan, son quang cao, quang cao trai phep, quang cao sai quy dinh, "
        "quang cao bua bai, dan trom, dan bua bai, dan chong, dan kin, giay dan, son so, xit so, "
        "xit son, phun son, ke so, in so, ghi so, boc go, boc xoa, cao boc, bo xoa, boi xoa, "
        "bang dan, khung dan, noi dan quang cao"
    ),
    # How and where ads are put up: words other reports share.
    "ad_surface": (
        "son, xit, boc, xoa, tem, goc cay, than cay, tram xe buyt, tu dien, hang rao, cot den, "
        "cot dien, tru dien, so dien thoai, sdt, lien he, lh, quang cao, dan giay, dan to, "
        "tuong rao, bo tuong, tren tuong, cao sach, cao boc"
    ),
    # The trades of classified ads.
    "ad_trade": (
        "khoan cat be tong, khoan cat, khoan be tong, hut ham cau, ham cau, thong cong, "
        "thong tac, cho vay, vay tien, vay von, vay nong, ho tro vay, giai ngan, bao no, gia su, "
        "day kem, tuyen dung, tuyen nhan vien, viec lam, can nguoi, chuyen nha, don nha, "
        "taxi tai, xe tai, cho thue, ban dat, ban nha, nha dat, phong tro, can ho, thu mua, "
        "phe lieu, lam bang, lam giay to, hoc lai xe, sua dien nuoc, dien lanh, cam do, "
        "massage, lap camera"
    ),
    # Enforcement against the numbers on ads: the carriers' side of an ad case.
    "ad_enforcement": (
        "khoa so, chan so, cat lien lac, tam ngung, dinh chi, thu hoi so, goi canh bao, "
        "cuoc goi canh bao, he thong goi tu dong, thue bao, xu phat, phat hanh chinh, "
        "so thong tin va truyen thong, thanh tra so, ra quan, chien dich, ngay chu nhat xanh, "
        "doan thanh nien, doan vien"
    ),
    # Ads and calls that are not posted in a public place.
    "not_posted": (
        "tin nhan, sms, cuoc goi, goi dien, lua dao, facebook, zalo, mang xa hoi, online, "
        "tren mang, website, trang web, app, ung dung, tin nhan rac, cuoc goi rac, spam"
    ),
    # Licensed or a shop's own signs: encroachment, not a classified ad.
    "signage": (
        "bang ron, bien hieu, bien quang cao, pano, bang hieu, bien bang, phuon, loa, loa keo, "
        "man hinh led, bien ten, hop den, co quang cao"
    ),
    # Everything else a city hears about.
    "city": (
        "o ga, ho ga, mat duong, via he, lan chiem, rac, rac thai, ngap, ngap ung, thoat nuoc, "
        "cong thoat, cay xanh, cay, nhanh cay, tieng on, karaoke, xay dung, cong trinh, "
        "giao thong, den tin hieu, nuoc sach, mat nuoc, ong nuoc, meo, vat nuoi, o nhiem, "
        "trat tu, dau xe, thu tuc, giay to, bi mat, danh roi, cho chet, cho hoang, khoi bui, "
        "boc mui, hoi thoi"
    ),
    # Danger to people now.
    "danger": (
        "nguy hiem, nguy co, tai nan, te nga, vuong co, sat dau, ngang dau, thap, tia lua, "
        "khet, sap do, nghieng, roi xuong, dut, cap cuu, bi thuong, bi nga, te xe, boc chay, "
        "chay no, chap chay, phat no, no tung, chap dien, nga do, do sap, bi gay, gay do"
    ),
}


# Single syllables that fold onto common words ("võng" and "vọng", "rơi" and "rồi", "đổ" and
# "do", "gãy" and "gây"): strong cues of a cable's state or a danger once a report is known
# to be about a line, noise when deciding whether it is. Only the subtype and priority
# models count them.
LOOSE: dict[str, str] = {
    "tangled": "bui, quan",
    "low": "thong, vong, chung, sa, vuong",
    "fallen": "roi",
    "danger": "nga, chay, no, chap, do, gay",
}

_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?!\d)")


def _split(terms: str) -> list[str]:
    return [t.strip() for t in terms.split(",") if t.strip()]


def terms_of(group: str, *, loose: bool = False) -> list[str]:
    return _split(GROUPS[group]) + (_split(LOOSE.get(group, "")) if loose else [])


def _pattern(terms: Sequence[str]) -> re.Pattern[str]:
    alternatives = sorted({re.escape(t) for t in terms}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


_PATTERNS = {
    loose: [_pattern(terms_of(name, loose=loose)) for name in GROUPS] for loose in (False, True)
}
FEATURES = (*GROUPS, "phone_numbers")


def counts(text: str, *, loose: bool = False) -> list[float]:
    """How often each group's terms occur, and how many phone numbers the text holds."""
    folded = fold(text)
    row = [float(len(p.findall(folded))) for p in _PATTERNS[loose]]
    row.append(float(len(_PHONE.findall(text))))
    return row


class LexiconCounts(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """log(1 + count) per group: a sklearn transformer over raw texts (`loose`: with the
    ambiguous single syllables too)."""

    def __init__(self, loose: bool = False) -> None:
        self.loose = loose

    def fit(self, texts: Sequence[str], y: object = None) -> "LexiconCounts":
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.array([counts(t, loose=self.loose) for t in texts], dtype=float)
        return np.asarray(np.log1p(rows))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array(FEATURES, dtype=object)
