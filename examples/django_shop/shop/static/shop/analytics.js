/* The shop's visit counter: it sets a statistics cookie, so it may run only with consent. */
window.shopAnalyticsLoaded = true;
document.cookie = "_shop_stats=1; path=/; max-age=34128000; SameSite=Lax";
