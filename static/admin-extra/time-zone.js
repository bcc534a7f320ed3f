/* Tells the admin the browser's time zone (an IANA name), so that pages and messages show times in it
   (see AdminTimeZoneMiddleware). Set on the first page; every later request carries it. */
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  // IANA names ("Asia/Dubai", "America/Argentina/Buenos_Aires", "Etc/GMT+4") need no escaping in a cookie.
  if (!zone || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) {
    return;
  }
  var cookie = "migu_tz=" + zone;
  if (document.cookie.split("; ").indexOf(cookie) === -1) {
    document.cookie = cookie + "; path=/admin/; max-age=31536000; SameSite=Lax";
  }
})();
