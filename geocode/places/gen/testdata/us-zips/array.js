module.exports = [
{"latitude":40.75065,"longitude":-73.997293,"zipCode":"10001"},
{"latitude":34.100517,"longitude":-118.41463,"zipCode":"90210"},
{"latitude":48.035925,"longitude":-122.45263,"zipCode":"98260"},
{"latitude":35.90269,"longitude":-90.650204,"zipCode":"72405"},
{"latitude":-14.322923,"longitude":-170.752349,"zipCode":"96799"},
{"latitude":18.180555,"longitude":-66.749961,"zipCode":"00601"}
]
