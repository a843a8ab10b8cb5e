"""The domain lexicon: groups of folded terms that say what a report is about, counted as
features beside the n-grams. A term the corpus rarely shows ("xuất tuyến", "tem QCRV")
shares its group's weight with common ones ("điện lực", "rao vặt"), which n-grams alone
cannot do. Written from the labelling rules (classifiers/corpus/LABELLING.md), not from any
evaluation set."""

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
    "line": (
        "cap, day cap, soi cap, bo cap, cuon cap, vien thong, nha mang, ngam hoa, ha ngam, bo gon"
    ),
    # How a hanging line looks, one group per cable subtype (see LABELLING.md).
    "tangled": (
        "chang chit, chang cheo, mang nhen, roi nhu to vo, roi tung, bui, bui day, "
        "bo day, lon xon, giang mac, quan, xoan, cuon vao nhau, "
        "bung nhung, mat my quan"
    ),
    "low": (
        "lung thung, long thong, thong, thong xuong, vong, vong thap, vong xuong, chung, "
        "chung vong, sa, sa xuong, sa thap, treo thap, qua thap, rat thap, "
        "sat mat dat, sat mat duong, ngang dau, ngang tam, ngang co, vuong, vuong co, vuong xe, "
        "vat ngang, giang ngang, cach mat dat, cach mat duong"
    ),
    "fallen": (
        "dut, bi dut, dut roi, roi, roi xuong, rot, rot xuong, nam duoi duong, nam tren duong, "
        "nam giua duong, keo dut, xe keo, xe cau, sau bao, gay do"
    ),
    "pole_box": (
        "cot nghieng, cot vien thong, cot bi gay, tru nghieng, hop cap, tu cap, mang xong, "
        "bung nap, mo nap, cuon cap, cuon du, treo cuon, gia do, hop phoi quang, thung cap"
    ),
    "abandoned": (
        "vo chu, khong su dung, khong con su dung, bo hoang, bo di, cap cu, day cu, "
        "thu hoi, cat bo, thao do, day chet, khong ro chu, het hop dong"
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
        "mang cham, rot mang, mat mang, wifi, wi fi, los, modem, router, goi cuoc, cuoc, "
        "hoa don, thanh toan, lap dat, lap mang, tong dai, ky thuat, ky thuat vien, mat song, "
        "song yeu, song, kenh, cat kenh, tivi, ti vi, tin hieu, toc do, bang thong, hop dong, "
        "khuyen mai"
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
        "dan, son, xit, boc, xoa, cao, tem, tuong, goc cay, than cay, tram xe buyt, tu dien, "
        "hang rao, cot den, cot dien, tru dien, so dien thoai, sdt, lien he, lh, quang cao"
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
        "bang ron, bien hieu, bien quang cao, pano, bang hieu, bien bang, phuon, co, loa, "
        "loa keo, man hinh led, bien ten, hop den"
    ),
    # Everything else a city hears about.
    "city": (
        "o ga, ho ga, mat duong, via he, lan chiem, rac, rac thai, ngap, ngap ung, thoat nuoc, "
        "cong thoat, cay xanh, cay, nhanh cay, tieng on, karaoke, xay dung, cong trinh, "
        "giao thong, den tin hieu, nuoc sach, mat nuoc, ong nuoc, cho, meo, vat nuoi, o nhiem, "
        "khoi, mui, trat tu, dau xe, thu tuc, giay to, bi mat, danh roi"
    ),
    # Danger to people now.
    "danger": (
        "nguy hiem, nguy co, tai nan, nga, te nga, vuong co, sat dau, ngang dau, thap, chay, "
        "no, tia lua, chap, khet, do, sap do, nghieng, gay, roi xuong, dut, cap cuu, bi thuong"
    ),
}


_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?!\d)")


def terms_of(group: str) -> list[str]:
    return [t.strip() for t in GROUPS[group].split(",") if t.strip()]


def _pattern(terms: Sequence[str]) -> re.Pattern[str]:
    alternatives = sorted({re.escape(t) for t in terms}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


_PATTERNS = {name: _pattern(terms_of(name)) for name in GROUPS}
FEATURES = (*GROUPS, "phone_numbers")


def counts(text: str) -> list[float]:
    """How often each group's terms occur, and how many phone numbers the text holds."""
    folded = fold(text)
    row = [float(len(p.findall(folded))) for p in _PATTERNS.values()]
    row.append(float(len(_PHONE.findall(text))))
    return row


class LexiconCounts(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """log(1 + count) per group: a sklearn transformer over raw texts."""

    def fit(self, texts: Sequence[str], y: object = None) -> "LexiconCounts":
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        return np.log1p(np.array([counts(t) for t in texts], dtype=float))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array(FEATURES, dtype=object)
