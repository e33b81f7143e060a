// the bundle of every country: not one country's admin-1
Datamap.prototype.abcTopo = {};
