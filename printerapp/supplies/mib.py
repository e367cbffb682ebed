"""The Printer MIB (RFC 3805, IANA-PRINTER-MIB) and Host Resources MIB (RFC 2790) parts we read.

Only numbers and names: the OIDs of the tables, their columns, and the
enumerations whose numbers arrive on the wire.  Names are the MIB's own
(``tonerCartridge``, ``supplyThatIsConsumed``), which is also what PWG 5100.13
puts in ``printer-supply`` values.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ALERT_CODES",
    "ALERT_ENTRY",
    "ALERT_GROUPS",
    "ALERT_SEVERITIES",
    "ALERT_TRAININGS",
    "COLORANT_ENTRY",
    "COLOUR_HEX",
    "ERROR_STATE_BITS",
    "HR_PRINTER_ENTRY",
    "PRINTER_STATUSES",
    "SUPPLIES_ENTRY",
    "SUPPLY_CLASSES",
    "SUPPLY_TYPES",
    "SUPPLY_UNITS",
    "WALKED",
    "Oid",
]

Oid = tuple[int, ...]

#: prtMarkerSuppliesEntry: columns 3 colorant index, 4 class, 5 type, 6 description,
#: 7 unit, 8 max capacity, 9 level; rows indexed by hrDeviceIndex.prtMarkerSuppliesIndex
SUPPLIES_ENTRY: Final[Oid] = (1, 3, 6, 1, 2, 1, 43, 11, 1, 1)
#: prtMarkerColorantEntry: column 4 is the colorant's name ("cyan"); rows as above
COLORANT_ENTRY: Final[Oid] = (1, 3, 6, 1, 2, 1, 43, 12, 1, 1)
#: prtAlertEntry: 2 severity, 3 training, 4 group, 5 group index, 6 location, 7 code, 8 text
ALERT_ENTRY: Final[Oid] = (1, 3, 6, 1, 2, 1, 43, 18, 1, 1)
#: hrPrinterEntry: 1 hrPrinterStatus, 2 hrPrinterDetectedErrorState; indexed by hrDeviceIndex
HR_PRINTER_ENTRY: Final[Oid] = (1, 3, 6, 1, 2, 1, 25, 3, 5, 1)

#: the subtrees one poll walks, in this order
WALKED: Final[tuple[Oid, ...]] = (SUPPLIES_ENTRY, COLORANT_ENTRY, ALERT_ENTRY, HR_PRINTER_ENTRY)

#: PrtMarkerSuppliesTypeTC
SUPPLY_TYPES: Final[dict[int, str]] = {
    n: name
    for n, name in enumerate(
        (
            "other",
            "unknown",
            "toner",
            "wasteToner",
            "ink",
            "inkCartridge",
            "inkRibbon",
            "wasteInk",
            "opc",
            "developer",
            "fuserOil",
            "solidWax",
            "ribbonWax",
            "wasteWax",
            "fuser",
            "coronaWire",
            "fuserOilWick",
            "cleanerUnit",
            "fuserCleaningPad",
            "transferUnit",
            "tonerCartridge",
            "fuserOiler",
            "water",
            "wasteWater",
            "glueWaterAdditive",
            "wastePaper",
            "bindingSupply",
            "bandingSupply",
            "stitchingWire",
            "shrinkWrap",
            "paperWrap",
            "staples",
            "inserts",
            "covers",
        ),
        start=1,
    )
}

#: PrtMarkerSuppliesClassTC
SUPPLY_CLASSES: Final[dict[int, str]] = {
    1: "other",
    3: "supplyThatIsConsumed",
    4: "receptacleThatIsFilled",
}

#: PrtMarkerSuppliesSupplyUnitTC
SUPPLY_UNITS: Final[dict[int, str]] = {
    1: "other",
    2: "unknown",
    3: "tenThousandthsOfInches",
    4: "micrometers",
    7: "impressions",
    8: "sheets",
    11: "hours",
    12: "thousandthsOfOunces",
    13: "tenthsOfGrams",
    14: "hundrethsOfFluidOunces",
    15: "tenthsOfMilliliters",
    16: "feet",
    17: "meters",
    18: "items",
    19: "percent",
}

#: hrPrinterStatus
PRINTER_STATUSES: Final[dict[int, str]] = {
    1: "other",
    2: "unknown",
    3: "idle",
    4: "printing",
    5: "warmup",
}

#: hrPrinterDetectedErrorState: bit 0 is the most significant bit of the first octet
ERROR_STATE_BITS: Final[tuple[str, ...]] = (
    "lowPaper",
    "noPaper",
    "lowToner",
    "noToner",
    "doorOpen",
    "jammed",
    "offline",
    "serviceRequested",
    "inputTrayMissing",
    "outputTrayMissing",
    "markerSupplyMissing",
    "outputNearFull",
    "outputFull",
    "inputTrayEmpty",
    "overduePreventMaint",
)

#: PrtAlertSeverityLevelTC
ALERT_SEVERITIES: Final[dict[int, str]] = {
    1: "other",
    3: "critical",
    4: "warning",
    5: "warningBinaryChangeEvent",
}

#: PrtAlertTrainingLevelTC
ALERT_TRAININGS: Final[dict[int, str]] = {
    1: "other",
    2: "unknown",
    3: "untrained",
    4: "trained",
    5: "fieldService",
    6: "management",
    7: "noInterventionRequired",
}

#: PrtAlertGroupTC
ALERT_GROUPS: Final[dict[int, str]] = {
    1: "other",
    3: "hostResourcesMIBStorageTable",
    4: "hostResourcesMIBDeviceTable",
    5: "generalPrinter",
    6: "cover",
    7: "localization",
    8: "input",
    9: "output",
    10: "marker",
    11: "markerSupplies",
    12: "markerColorant",
    13: "mediaPath",
    14: "channel",
    15: "interpreter",
    16: "consoleDisplayBuffer",
    17: "consoleLights",
    18: "alert",
    30: "finDevice",
    31: "finSupply",
    32: "finSupplyMediaInput",
    33: "finAttribute",
}

#: PrtAlertCodeTC, the codes a person acts on; others arrive as their number
ALERT_CODES: Final[dict[int, str]] = {
    1: "other",
    2: "unknown",
    3: "coverOpen",
    4: "coverClosed",
    5: "interlockOpen",
    6: "interlockClosed",
    7: "configurationChange",
    8: "jam",
    9: "subunitMissing",
    10: "subunitLifeAlmostOver",
    11: "subunitLifeOver",
    12: "subunitAlmostEmpty",
    13: "subunitEmpty",
    14: "subunitAlmostFull",
    15: "subunitFull",
    501: "doorOpen",
    502: "doorClosed",
    503: "poweredUp",
    504: "poweredDown",
    505: "printerNMSReset",
    506: "printerManualReset",
    507: "printerReadyToPrint",
    801: "inputMediaTrayMissing",
    802: "inputMediaSizeChange",
    803: "inputMediaWeightChange",
    804: "inputMediaTypeChange",
    805: "inputMediaColorChange",
    806: "inputMediaFormPartsChange",
    807: "inputMediaSupplyLow",
    808: "inputMediaSupplyEmpty",
    901: "outputMediaTrayMissing",
    902: "outputMediaTrayAlmostFull",
    903: "outputMediaTrayFull",
    1001: "markerFuserUnderTemperature",
    1002: "markerFuserOverTemperature",
    1101: "markerTonerEmpty",
    1102: "markerInkEmpty",
    1103: "markerPrintRibbonEmpty",
    1104: "markerTonerAlmostEmpty",
    1105: "markerInkAlmostEmpty",
    1106: "markerPrintRibbonAlmostEmpty",
    1107: "markerWasteTonerReceptacleAlmostFull",
    1108: "markerWasteInkReceptacleAlmostFull",
    1109: "markerWasteTonerReceptacleFull",
    1110: "markerWasteInkReceptacleFull",
    1111: "markerOpcLifeAlmostOver",
    1112: "markerOpcLifeOver",
    1113: "markerDeveloperAlmostEmpty",
    1114: "markerDeveloperEmpty",
    1115: "markerTonerCartridgeMissing",
    1301: "mediaPathMediaTrayMissing",
    1302: "mediaPathMediaTrayAlmostFull",
    1303: "mediaPathMediaTrayFull",
}

#: colorant names to the ``marker-colors`` values CUPS's SNMP code uses
COLOUR_HEX: Final[dict[str, str]] = {
    "black": "#000000",
    "blue": "#0000FF",
    "brown": "#A52A2A",
    "cyan": "#00FFFF",
    "dark-gray": "#404040",
    "dark-yellow": "#FFCC00",
    "gold": "#FFD700",
    "gray": "#808080",
    "green": "#00FF00",
    "light-black": "#606060",
    "light-cyan": "#E0FFFF",
    "light-gray": "#D3D3D3",
    "light-magenta": "#FF77FF",
    "magenta": "#FF00FF",
    "orange": "#FFA500",
    "red": "#FF0000",
    "silver": "#C0C0C0",
    "white": "#FFFFFF",
    "yellow": "#FFFF00",
}
