"""Labelled headline pairs for near-duplicate tip detection (`newsletter.tips.same_headline`).

`SAME`: one story, worded differently the way two readers would: reordered, other case or
punctuation, an article or a word added or dropped, a typo, "China's" for "Chinese".
`DIFFERENT`: two stories on one topic (two launches, two carmakers, two provinces' floods,
two typhoons) that a moderator wants to review separately.

HEADLINE_THRESHOLD in newsletter/tips.py was chosen from these pairs; add a pair here
whenever a real tip was merged or kept apart wrongly, and check the margin again.
"""

from __future__ import annotations

SAME: list[tuple[str, str]] = [
    # case and punctuation
    (
        "China launches Shenzhou-17 crew to Tiangong space station",
        "CHINA LAUNCHES SHENZHOU 17 CREW TO TIANGONG SPACE STATION!",
    ),
    (
        "Huawei unveils Mate 60 Pro with advanced 7nm chip",
        "Huawei unveils the Mate 60 Pro, with an advanced 7nm chip",
    ),
    (
        "China's homegrown C919 jet makes first commercial flight",
        "China's home-grown C919 jet makes its first commercial flight",
    ),
    # word order
    (
        "Xi Jinping and Joe Biden meet in San Francisco",
        "In San Francisco, Joe Biden and Xi Jinping meet",
    ),
    (
        "China restricts exports of gallium and germanium",
        "China restricts gallium and germanium exports",
    ),
    (
        "Chang'e-6 brings back first samples from the Moon's far side",
        "Chang'e-6 brings back first samples from the far side of the Moon",
    ),
    (
        "Li Keqiang, former Chinese premier, dies at 68",
        "Former Chinese premier Li Keqiang dies at 68",
    ),
    # a word added or dropped
    (
        "Hong Kong court orders Evergrande to liquidate",
        "Hong Kong court orders China Evergrande to liquidate",
    ),
    (
        "Country Garden misses bond payment deadline",
        "Country Garden misses a bond payment deadline",
    ),
    (
        "Apple's iPhone sales in China drop 24% in first six weeks of 2024",
        "iPhone sales in China drop 24% in first six weeks of 2024",
    ),
    (
        "Typhoon Doksuri brings record rain to Fujian",
        "Typhoon Doksuri brings record rain to Fujian province",
    ),
    (
        "Shanghai lifts two-month Covid lockdown",
        "Shanghai lifts its two-month COVID lockdown",
    ),
    (
        "Youth unemployment in China hits record 21.3%",
        "Youth unemployment in China hits a new record of 21.3%",
    ),
    (
        "Alibaba to split into six business groups",
        "Alibaba splits into six business groups",
    ),
    # typos
    (
        "China's exports fall for sixth straight month",
        "China's exports fall for sixth stright month",
    ),
    (
        "Tencent shares slump after Beijing unveils gaming curbs",
        "Tencent shares slump after Beijing unveils gamming curbs",
    ),
    (
        "Record rainfall floods Beijing's Mentougou district",
        "Record rainfal floods Beijing's Mentougou distric",
    ),
    # "China's" and "Chinese"
    (
        "China's economy grows 5.2% in 2023, beating target",
        "Chinese economy grows 5.2% in 2023, beating target",
    ),
    (
        "China's population falls for second year in a row",
        "Chinese population falls for the second year in a row",
    ),
    (
        "Qin Gang removed as China's foreign minister",
        "Qin Gang removed as Chinese foreign minister",
    ),
    (
        "China's central bank cuts reserve requirement ratio for banks",
        "Chinese central bank cuts reserve requirement ratio for banks",
    ),
]

DIFFERENT: list[tuple[str, str]] = [
    # two launches
    ("China launches Shenzhou-17 crew", "China launches Chang'e-6 lunar probe"),
    (
        "China launches Shenzhou-17 crew to Tiangong space station",
        "China launches Shenzhou-18 crew to Tiangong space station",
    ),
    (
        "Chinese rocket debris falls near village in Guizhou",
        "Chinese rocket debris falls into Indian Ocean",
    ),
    # two carmakers
    (
        "BYD posts record quarterly profit as EV sales surge",
        "Xpeng posts wider quarterly loss as EV price war bites",
    ),
    ("Nio Q3 deliveries rise 75%", "Li Auto Q3 deliveries rise 296%"),
    (
        "BYD overtakes Tesla as world's biggest EV seller",
        "Xiaomi SU7 orders overtake Tesla Model 3 in China",
    ),
    # two provinces' floods, two typhoons
    (
        "Floods in Guangdong force tens of thousands from their homes",
        "Floods in Hebei leave dozens dead after Typhoon Doksuri",
    ),
    (
        "Hunan floods force evacuation of 100,000 people",
        "Heilongjiang floods cut power to 100,000 homes",
    ),
    (
        "Typhoon Doksuri brings record rain to Fujian",
        "Typhoon Haikui brings record rain to Guangdong",
    ),
    (
        "Floods in Guangdong force thousands from their homes",
        "Floods in Hunan force thousands from their homes",
    ),
    ("Typhoon Doksuri makes landfall in Fujian", "Typhoon Haikui makes landfall in Fujian"),
    ("Tesla cuts prices in China again", "BYD cuts prices in China again"),
    # trade and the economy
    ("China's exports fall 6.4% in October", "China's imports rise 3% in October"),
    (
        "China's exports fall for sixth straight month",
        "China's imports fall for second straight month",
    ),
    (
        "China restricts exports of gallium and germanium",
        "China bans exports of rare earth processing technology",
    ),
    (
        "China's central bank cuts reserve requirement ratio",
        "China's central bank cuts one-year loan prime rate",
    ),
    (
        "Youth unemployment in China hits record 21.3%",
        "China suspends publication of youth unemployment data",
    ),
    (
        "China's population falls for second year in a row",
        "China's birth rate falls to a record low",
    ),
    # companies
    (
        "Hong Kong court orders Evergrande to liquidate",
        "Country Garden faces liquidation petition in Hong Kong court",
    ),
    (
        "Huawei unveils Mate 60 Pro with advanced 7nm chip",
        "Xiaomi unveils SU7 electric car with 800 km range",
    ),
    ("Alibaba to split into six business groups", "Alibaba cancels cloud unit spin-off"),
    (
        "China's C919 jet makes first commercial flight",
        "China's C929 wide-body jet enters development",
    ),
    # people and places
    (
        "Li Keqiang, former Chinese premier, dies at 68",
        "Li Qiang named Chinese premier at National People's Congress",
    ),
    ("Xi Jinping meets Joe Biden in San Francisco", "Xi Jinping meets Vladimir Putin in Moscow"),
    (
        "Shanghai lifts two-month Covid lockdown",
        "Guangzhou imposes Covid lockdown on Haizhu district",
    ),
]
