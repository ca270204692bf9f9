^FX packbench shipping label: 4x6 in, written in 203-dpi dots (812 x 1218); the
renderer scales the coordinates for 300 dpi. CI28 selects UTF-8 field data; text uses
the printer's Unicode TrueType font (A@ with the font file) so Vietnamese prints.
Placeholders and sections: see src/core/label.h. A comment runs to the next caret.
^XA
^CI28
^PW812
^LL1218
^LH0,0
^FX Header: channel, shop, carrier.
^FO20,18^A@N,44,44,{{font}}^FD{{channel:20}}^FS
^FO20,68^A@N,26,26,{{font}}^FD{{shop:40}}^FS
^FO432,24^A@N,34,34,{{font}}^FB360,1,0,R^FD{{carrier:18}}^FS
^FO20,104^GB772,4,4^FS
^FX Tracking number as Code 128, or a notice when the carrier has not given one yet.
{{#tracking_no}}
^FO20,116^A@N,24,24,{{font}}^FDMã vận đơn / Tracking^FS
^FO60,150^BY2,3,130^BCN,130,Y,N,N^FD{{tracking_no}}^FS
{{/tracking_no}}
{{^tracking_no}}
^FO20,180^A@N,36,36,{{font}}^FB772,2,6,C^FDCHƯA CÓ MÃ VẬN ĐƠN / NO TRACKING NUMBER^FS
{{/tracking_no}}
^FO20,322^GB772,4,4^FS
^FX Recipient.
^FO20,336^A@N,24,24,{{font}}^FDNgười nhận / To:^FS
^FO20,366^A@N,40,40,{{font}}^FD{{recipient:34}}^FS
^FO20,414^A@N,32,32,{{font}}^FD{{phone:24}}^FS
^FO20,456^A@N,30,30,{{font}}^FB772,3,4,L^FD{{address:140}}^FS
^FO20,562^A@N,32,32,{{font}}^FD{{district:40}}^FS
^FO20,600^A@N,46,46,{{font}}^FD{{province:30}}^FS
^FO20,656^GB772,4,4^FS
^FX Cash on delivery, white on black so it cannot be missed; or prepaid.
{{#cod}}
^FO20,670^GB772,112,112^FS
^FO36,680^A@N,28,28,{{font}}^FR^FDTHU HỘ / COD^FS
^FO36,714^A@N,58,58,{{font}}^FR^FD{{cod}}^FS
{{/cod}}
{{^cod}}
^FO20,670^GB772,112,4^FS
^FO20,700^A@N,50,50,{{font}}^FB772,1,0,C^FDPREPAID - KHÔNG THU TIỀN^FS
{{/cod}}
^FO20,796^GB772,4,4^FS
^FX Order, package n of m, weight; QR code with the order number and package n/m.
^FO20,812^A@N,24,24,{{font}}^FDĐơn hàng / Order^FS
^FO20,842^A@N,40,40,{{font}}^FD{{order_no:24}}^FS
^FO20,898^A@N,24,24,{{font}}^FDKiện / Package^FS
^FO20,928^A@N,64,64,{{font}}^FD{{pkg_no}} / {{pkg_count}}^FS
^FO300,898^A@N,24,24,{{font}}^FDKhối lượng / Weight^FS
^FO300,928^A@N,44,44,{{font}}^FD{{weight}}^FS
^FO584,812^BQN,2,5^FDQA,{{order_no}} {{pkg_no}}/{{pkg_count}}^FS
^FO20,1010^GB772,4,4^FS
^FX Packed at (Viet Nam time) and where.
^FO20,1028^A@N,26,26,{{font}}^FDĐóng gói / Packed: {{packed_at}} (UTC+7)^FS
^FO20,1064^A@N,26,26,{{font}}^FDTrạm / Station: {{station}}    SL / Units: {{units}}^FS
^XZ
