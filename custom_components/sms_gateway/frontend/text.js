// How many SMS a text takes: GSM-7 or UCS-2, by the rules the integration sends
// (`sms_gateway/gateways` answers them from gateways/text.py: one source).
export function textInfo(text, rules) {
  const basic = rules.gsm7, extension = rules.gsm7_extension;
  let gsm = true, septets = 0;
  for (const char of text) {
    if (basic.includes(char)) septets += 1;
    else if (extension.includes(char)) septets += 2;
    else { gsm = false; break; }
  }
  let units, single, multi;
  if (gsm) {
    units = septets; single = rules.gsm7_single; multi = rules.gsm7_multi;
  } else {
    units = text.length; // UTF-16 code units, as JavaScript counts
    single = rules.ucs2_single; multi = rules.ucs2_multi;
  }
  const segments = units === 0 ? 0 : units <= single ? 1 : Math.ceil(units / multi);
  return { encoding: gsm ? "gsm7" : "ucs2", units, segments, single, multi };
}
