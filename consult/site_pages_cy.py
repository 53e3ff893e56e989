"""The site's own pages' default texts in Welsh (consult/site_pages.py has the English ones).

Shown to a reader who reads in Welsh while no administrator has saved a page of their own; a saved
page is shown as written. The same {site}, {operator} and {operator_name} are filled in. Sentences
are built so that nothing inserted follows a word that would mutate it ("gan", "i", "yn").
"""
from __future__ import annotations

PRIVACY = """\
Mae'r hysbysiad hwn yn dweud pa ddata personol y mae {site} yn ei gadw amdanoch, pam, am ba hyd, a
phwy sy'n gallu ei weld.

## Beth rydym yn ei gadw

- **Os ydych chi'n darllen yn unig**: dim byd sy'n dangos pwy ydych chi. Fel pob gweinydd gwe,
  efallai y bydd ein gweinydd ni'n cofnodi pob cais (cyfeiriad, amser, tudalen) er mwyn cadw'r wefan
  i redeg ac yn ddiogel; mae {operator_name} yn cadw cofnodion o'r fath cyhyd ag sydd angen ar gyfer
  hynny yn unig.
- **Os ydych chi'n creu cyfrif**: eich cyfeiriad e-bost, yr enw rydych chi'n dewis ei ddangos, a'ch
  cyfrinair, sy'n cael ei gadw fel stwnsh unffordd yn unig. Nid yw eich cyfeiriad e-bost byth yn
  cael ei ddangos i neb arall.
- **Os ydych chi'n gwneud sylw**: yr hyn a ysgrifennoch chi, pryd, y paragraff y mae arno, eich
  safbwynt ac a ydych chi'n ateb fel unigolyn neu ar ran sefydliad (a pha un), os dywedwch chi.
  Chi sy'n dewis ar y ffurflen a yw eich enw'n cael ei ddangos gydag ef.
- **Os bydd cymedrolwr yn penderfynu ar sylw**: y penderfyniad, y rheol y mae'n ei nodi a nodyn,
  er mwyn gallu egluro'r penderfyniad ac apelio yn ei erbyn.

## Pam

I gynnal ymgynghoriadau cyhoeddus: i ddangos eich sylwadau, i ddweud wrthych chi beth ddigwyddodd
iddyn nhw (drwy e-bost), i'w cymedroli yn erbyn rheolau cyhoeddedig y wefan, ac i'w cyfrif yn
ymateb cyhoeddedig yr adran.

## Am ba hyd

- Eich cyfrif: nes i chi ei ddileu, a gallwch wneud hynny unrhyw bryd o "Eich cyfrif". Mae eich
  sylwadau'n aros wedyn, wedi'u dangos fel "cyn-gyfranogwr", oherwydd eu bod yn rhan o gofnod
  cyhoeddus yr ymgynghoriad.
- Sylwadau cyhoeddedig: cyhyd ag y mae'r ymgynghoriad yn cael ei gadw yn yr archif gyhoeddus.
- Sylwadau na chawsant eu cyhoeddi, a nodiadau cymedrolwyr: cyhyd ag y mae'r ymgynghoriad yn cael
  ei gadw, er mwyn gallu egluro penderfyniadau.
- Mewngofnodi: mae sesiwn wedi'i mewngofnodi yn para 30 diwrnod ar y mwyaf. Mae ymdrechion
  aflwyddiannus i fewngofnodi, gyda'r cyfeiriad y daethon nhw ohono, yn cael eu cadw am gyfnod byr
  i ddiogelu cyfrifon rhag dyfalu.

## Pwy sy'n ei weld

- **Pawb**: sylwadau cyhoeddedig, gyda'ch enw dim ond os gwnaethoch chi ddewis ei ddangos. Gellir
  lawrlwytho sylwadau cyhoeddedig hefyd fel data agored: yr un sylwadau, gyda'r enw y mae'r dudalen
  yn ei ddangos, a heb gyfeiriadau e-bost.
- **Cymedrolwyr**: sylwadau sy'n aros am benderfyniad, a'r enw rydych chi'n ei ddangos.
- **Swyddogion** yr adran sy'n cynnal ymgynghoriad: ei sylwadau cyhoeddedig, er mwyn eu hateb.
- **Gweinyddwyr**: cyfrifon (cyfeiriad e-bost, enw, rôl), er mwyn cadw'r wefan i redeg.

Neb arall: nid ydym yn gwerthu nac yn rhannu eich data, ac nid yw'r wefan yn gosod cwcis hysbysebu
nac olrhain. Mae'n defnyddio tri chwci: un i'ch cadw wedi mewngofnodi ac i ddiogelu'r ffurflenni
rydych yn eu hanfon; un i gofio'r iaith a ddewisoch (am flwyddyn); ac un, a anfonir i'r dudalen
fewngofnodi yn unig, sy'n gadael i borwr y gwnaethoch fewngofnodi ohono o'r blaen fewngofnodi hyd
yn oed tra bo rhywun yn rhywle arall yn dyfalu eich cyfrinair (am flwyddyn).

## Eich hawliau

O "Eich cyfrif" gallwch lawrlwytho popeth y mae'r wefan yn ei gadw amdanoch chi, gweld eich
sylwadau a beth ddigwyddodd iddynt, golygu neu dynnu sylw yn ôl, a dileu eich cyfrif. I gywiro eich
enw neu eich cyfeiriad e-bost, ar gyfer unrhyw beth arall, neu i gwyno, gweler y [dudalen
gysylltu](/contact).
"""

ACCESSIBILITY = """\
Rydym am i bawb allu darllen ymgynghoriadau a gwneud sylwadau arnyn nhw ar {site}.

## Sut mae'r wefan yn gweithio i chi

- Mae pob tudalen yn gweithio gyda bysellfwrdd yn unig a heb JavaScript.
- Mae'r tudalennau'n gweithio gyda darllenwyr sgrin; mae rhifau paragraffau, newidiadau rhwng
  fersiynau a siartiau hefyd yn cael eu rhoi mewn geiriau.
- Gellir chwyddo'r testun i 200% ac mae'r tudalennau'n ail-lifo ar sgrin gul.
- Mae'r lliwiau'n bodloni cymarebau cyferbyniad WCAG 2.2 AA.

## Sut rydym yn ei wirio

Mae pob fersiwn o'r wefan yn cael ei gwirio gyda phrofion awtomatig mewn porwr go iawn (axe-core yn
erbyn WCAG 2.2 AA, a dilysydd HTML W3C) ar y tudalennau y mae pobl yn eu defnyddio fwyaf.

## Problemau hysbys

Gall dogfennau a fewnforiwyd o fformatau eraill gynnwys tablau neu ffigurau heb ddisgrifiad testun.
Dywedwch wrthym ble rydych chi'n dod o hyd i un a byddwn yn ei drwsio.

## Dywedwch wrthym am broblem

Os nad yw rhywbeth ar y wefan yn gweithio i chi, neu os oes angen dogfen arnoch mewn fformat arall,
gweler y [dudalen gysylltu](/contact). Ein nod yw ateb o fewn pum diwrnod gwaith.
"""

CONTACT = """\
Pwy sy'n rhedeg {site}: {operator}.

## Cwestiynau am ymgynghoriad

Mae pob ymgynghoriad yn enwi'r adran sy'n ei gynnal. Gwnewch sylw ar yr ymgynghoriad ei hun os yw
eich cwestiwn am yr hyn y mae'n ei gynnig, er mwyn i'ch cwestiwn fod yn rhan o'r cofnod cyhoeddus.

## Cwestiynau am y wefan, eich cyfrif neu eich data

Ysgrifennwch at weinyddwyr y wefan. Gall gweinyddwr newid y dudalen hon i roi cyfeiriad e-bost,
cyfeiriad post a rhif ffôn.

## Cwynion am gymedroli

Os na chafodd un o'ch sylwadau ei gyhoeddi, mae'r neges sy'n dweud hynny wrthych yn egluro sut i
apelio: mae cymedrolwr gwahanol yn penderfynu ar apêl.
"""

DEFAULTS = {"privacy": PRIVACY, "accessibility": ACCESSIBILITY, "contact": CONTACT}
# What fills {operator} and {operator_name} when SITE_OPERATOR is not set.
NO_OPERATOR = "y sefydliad a enwir ar yr hafan"
NO_OPERATOR_NAME = "gweithredwr y wefan"
